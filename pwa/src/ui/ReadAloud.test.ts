import { describe, expect, it } from 'vitest';
import { speechLanguage } from './ReadAloud';

describe('the voice words are read in', () => {
  it('is English for words in the Latin alphabet, whatever the phone speaks', () => {
    expect(speechLanguage("I'm a good listener.", ['fa-IR'], 'en-GB')).toBe('en-GB');
    expect(speechLanguage('2 + 2', ['ar'], 'en-GB')).toBe('en-GB');
    // Mostly English, with a name in another script.
    expect(speechLanguage('I want to see my sister سارة again', ['en-GB'], 'en-GB')).toBe('en-GB');
  });

  it("is the phone's own language when the words are in its script", () => {
    expect(speechLanguage('می‌خواهم کسی به من گوش بدهد.', ['fa-IR', 'en-GB'], 'en-GB')).toBe('fa-IR');
    expect(speechLanguage('ኣብ ቤት ትምህርቲ ክቕጽል እደሊ።', ['en-GB', 'ti-ER'], 'en-GB')).toBe('ti-ER');
  });

  it("is the script's likeliest language on a phone set to another", () => {
    expect(speechLanguage('أريد أن يسمعني أحد.', ['en-GB'], 'en-GB')).toBe('ar');
    expect(speechLanguage('Я хочу піти до школи.', ['en-GB'], 'en-GB')).toBe('uk');
    expect(speechLanguage('Я хочу учиться.', ['en-GB'], 'en-GB')).toBe('ru');
  });
});
