import { describe, expect, it } from 'vitest';
import { languageOf } from './scripts';

describe("the language of someone's words", () => {
  it('is not guessed for words in the Latin alphabet (Tandem reads them as English), whatever the phone speaks', () => {
    expect(languageOf("I'm a good listener.", ['fa-IR'])).toBe(null);
    expect(languageOf('2 + 2', ['ar'])).toBe(null);
    // Mostly English, with a name in another script.
    expect(languageOf('I want to see my sister سارة again', ['en-GB'])).toBe(null);
  });

  it("is the phone's own language when the words are in its script", () => {
    expect(languageOf('می‌خواهم کسی به من گوش بدهد.', ['fa-IR', 'en-GB'])).toBe('fa-IR');
    expect(languageOf('ኣብ ቤት ትምህርቲ ክቕጽል እደሊ።', ['en-GB', 'ti-ER'])).toBe('ti-ER');
  });

  it("is the script's likeliest language on a phone set to another", () => {
    expect(languageOf('أريد أن يسمعني أحد.', ['en-GB'])).toBe('ar');
    expect(languageOf('Я хочу піти до школи.', ['en-GB'])).toBe('uk');
    expect(languageOf('Я хочу учиться.', ['en-GB'])).toBe('ru');
  });
});
