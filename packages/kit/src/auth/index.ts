export { hashPassword, verifyPassword } from './password.js';
