import type { SyncState } from '../sync/engine';
import { syncWords } from './words';

export function SyncStatus({ state, online, onRetry }: { state: SyncState; online: boolean; onRetry: () => void }) {
  const { text, tone } = syncWords(state, online);
  return (
    <p class={`sync sync--${tone}`} role="status" aria-live="polite">
      {text}{' '}
      {tone !== 'ok' && state.kind !== 'sending' && (
        <button type="button" class="link-button" onClick={onRetry}>
          Try now
        </button>
      )}
    </p>
  );
}
