// A <details> whose insides are drawn the first time it is opened, and kept after. A list of cards
// each holding closed forms (who can see it, a meeting, remove) costs a cheap phone those forms'
// elements at every card drawn; most are never opened.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export function Disclosure({ class: className, summary, children }: { class?: string; summary: ComponentChildren; children: ComponentChildren }) {
  const [opened, setOpened] = useState(false);
  return (
    <details class={className} onToggle={(e) => e.currentTarget.open && setOpened(true)}>
      <summary>{summary}</summary>
      {opened && children}
    </details>
  );
}
