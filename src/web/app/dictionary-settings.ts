/**
 * The strings of "Mijn instellingen", the shared date fields and the bulk-execute preview, in Dutch
 * and English; dictionary.ts spreads them into its `nl` and `en`. `en` must have every key of `nl`.
 */
export const settingsNl = {
  'date.day': 'Datum',
  'date.time': 'Tijd',
  'date.hours': 'Uren',
  'date.minutes': 'Minuten',
};

export const settingsEn: Record<keyof typeof settingsNl, string> = {
  'date.day': 'Date',
  'date.time': 'Time',
  'date.hours': 'Hours',
  'date.minutes': 'Minutes',
};
