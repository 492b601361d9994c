// A modal dialog: a labelled panel over the screen, closed with Escape or its Cancel button.
import { X } from 'lucide-react';
import { useEffect, type FormEvent, type ReactNode } from 'react';

export function Dialog({
  title,
  onClose,
  onSubmit,
  children,
  footer,
}: {
  title: string;
  onClose(): void;
  onSubmit(event: FormEvent): void;
  children: ReactNode;
  footer: ReactNode;
}) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="overlay">
      <form role="dialog" aria-modal="true" aria-label={title} className="card dialog" onSubmit={onSubmit}>
        <header className="dialog-header">
          <h2>{title}</h2>
          <button type="button" className="button ghost icon" onClick={onClose} aria-label="Close">
            <X size={16} aria-hidden />
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        <footer className="dialog-footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          {footer}
        </footer>
      </form>
    </div>
  );
}
