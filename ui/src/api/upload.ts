import { csrfHeaders, errorFrom, networkError, notifyUnauthorized, ApiError } from './http.js';

export interface UploadHandle<T> {
  /** Resolves with the parsed JSON answer; rejects with an ApiError. */
  done: Promise<T>;
  abort(): void;
}

/**
 * A multipart upload with progress. fetch() cannot report upload progress,
 * XMLHttpRequest can: `onProgress` gets a fraction 0..1 as bytes leave.
 */
export function uploadFile<T>(url: string, file: File, onProgress: (fraction: number) => void, parse: (data: unknown) => T): UploadHandle<T> {
  const xhr = new XMLHttpRequest();
  const done = new Promise<T>((resolve, reject) => {
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(Math.min(1, e.loaded / e.total));
    };
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        try {
          resolve(parse(data));
        } catch (e) {
          reject(e);
        }
      } else {
        if (xhr.status === 401) notifyUnauthorized();
        reject(errorFrom(xhr.status, data));
      }
    };
    xhr.onerror = () => reject(networkError());
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
