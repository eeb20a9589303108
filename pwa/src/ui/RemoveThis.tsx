// "Remove this", asked first: one stray tap must not take someone's words away.
import { useEffect, useRef, useState } from 'preact/hooks';

export function RemoveThis({ id, label, question, onRemove }: { id: string; label: string; question: string; onRemove(): void }) {
  const [asking, setAsking] = useState(false);
  const keepIt = useRef<HTMLButtonElement>(null);
  // The button pressed has gone: focus moves to the safe answer, not to the top of the page.
  useEffect(() => {
    if (asking) keepIt.current?.focus();
  }, [asking]);
  if (!asking) {
    return <button type="button" class="link-button" onClick={() => setAsking(true)}>{label}</button>;
  }
  return (
    <div class="stack" role="group" aria-labelledby={`remove-${id}`}>
      <p id={`remove-${id}`}>{question}</p>
      <div class="row">
        <button type="button" onClick={onRemove}>Yes, remove it</button>
        <button type="button" ref={keepIt} onClick={() => setAsking(false)}>Keep it</button>
      </div>
    </div>
  );
}
