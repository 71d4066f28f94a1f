/** An instant as the wall clock of a time zone, and back (no DOM, no React). */

/** Wall-clock parts of an instant in a zone, as `YYYY-MM-DDTHH:mm`. */
export function toZoned(iso: string | number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Reads `YYYY-MM-DDTHH:mm` (or with a space) as a wall-clock time in a zone; an ISO instant. */
export function fromZoned(value: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const wanted = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  // Guess, see which wall-clock time that is in the zone, correct by the difference (twice for DST).
  let guess = wanted;
  for (let i = 0; i < 2; i++) guess += wanted - Date.parse(`${toZoned(guess, timeZone)}:00Z`);
  return new Date(guess).toISOString();
}
