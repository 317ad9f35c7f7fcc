import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useAction } from '../hooks.js';

/**
 * A modal on the native <dialog>: the browser traps focus inside it, closes
 * it on Escape and gives focus back to what opened it. Mount it to open it.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { onClose } = props;
  // What had focus before the dialog opened (kept from the first render).
  const opener = useRef<Element | null>(document.activeElement);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    // Closing through the element (Escape, the × button, the backdrop) lets the
    // browser restore focus; when the parent unmounts us instead (a form that
    // finished), do it ourselves. No close() here: under StrictMode's
    // mount-unmount-mount it would fire a late `close` event that shuts the
    // dialog right after it opened.
    return () => {
      const o = opener.current;
      if (o instanceof HTMLElement && o.isConnected) queueMicrotask(() => o.focus());
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={props.wide ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
      onClose={onClose}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its box) closes it.
        if (e.target === ref.current) ref.current.close();
      }}
    >
      <div className="dialog-box">
        <header className="dialog-head">
          <h2 id={titleId}>{props.title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={() => ref.current?.close()}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </dialog>
  );
}

/** "Are you sure?" with the destructive button last and the safe one focused. */
export function ConfirmDialog(props: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, error, run] = useAction();
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await props.onConfirm();
            props.onClose();
          });
        }}
      >
        <p>{props.message}</p>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="dialog-actions">
          <button type="button" autoFocus onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy}>
            {busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
