import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../sync/api';
import { problemWords } from './useSubmit';

const NO_SIGNAL = 'You need signal to do this.';

describe('problemWords', () => {
  it('says there is no signal only when the request never reached the server', () => {
    expect(problemWords(new ApiFailure({ kind: 'retry', cause: 'offline', message: 'No signal just now.' }), NO_SIGNAL)).toBe(NO_SIGNAL);
    const tooMany = new ApiFailure({ kind: 'retry', cause: 'server', message: 'too many attempts; try again in 900 seconds', retryAfterSecs: 900 });
    expect(problemWords(tooMany, NO_SIGNAL)).toBe("Tandem can't take this just now. Please try again in 15 minutes.");
  });

  it('rounds the wait up to whole minutes, and words a short one plainly', () => {
    const soon = new ApiFailure({ kind: 'retry', cause: 'server', message: 'busy', retryAfterSecs: 5 });
    expect(problemWords(soon, NO_SIGNAL)).toBe("Tandem can't take this just now. Please try again in a minute.");
    const unsaid = new ApiFailure({ kind: 'retry', cause: 'server', message: 'something went wrong on the server' });
    expect(problemWords(unsaid, NO_SIGNAL)).toBe("Tandem can't take this just now. Please try again in a few minutes.");
  });

  it("passes on the server's own words for a refusal, as a sentence", () => {
    const wrong = new ApiFailure({ kind: 'sign-in', message: "that name and PIN don't match" });
    expect(problemWords(wrong, NO_SIGNAL)).toBe("That name and PIN don't match.");
    const asked = new ApiFailure({ kind: 'rejected', status: 400, code: 'bad_request', message: 'Too many tries. Wait a minute!' });
    expect(problemWords(asked, NO_SIGNAL)).toBe('Too many tries. Wait a minute!');
    expect(problemWords(new Error('boom'), NO_SIGNAL)).toBe('That did not work. Please try again.');
  });

  it('tells someone whose phone is full what to do, whichever way the browser says it', () => {
    const full = "This phone's storage is full, so Tandem can't keep what it needs on it. Make some space (delete photos, videos or apps you don't need), then try again.";
    expect(problemWords(new DOMException('The quota has been exceeded.', 'QuotaExceededError'), NO_SIGNAL)).toBe(full);
    expect(problemWords(new DOMException('Transaction aborted: quota exceeded', 'AbortError'), NO_SIGNAL)).toBe(full);
    expect(problemWords(new DOMException('The transaction was aborted.', 'AbortError'), NO_SIGNAL)).toBe('That did not work. Please try again.');
  });
});
