// Reads text aloud with the browser's own voice. Nothing is sent anywhere.
export function canSpeak(): boolean {
  return typeof window !== 'undefined' && 'speechSynthesis' in window;
}

export function ReadAloud({ text, label = 'Read this out loud' }: { text: string; label?: string }) {
  if (!canSpeak()) return null;
  const speak = () => {
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  };
  return (
    <button type="button" class="link-button" onClick={speak} aria-label={`${label}: ${text.slice(0, 60)}`}>
      🔊 Read out
    </button>
  );
}
