/** Wire formats the tests check values against. */

/** Twilio's date form in the 2010-04-01 API's JSON, always GMT: `Sun, 06 Dec 2026 21:14:30 +0000`. */
export const RFC_2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
