/** Dutch names and places for demo data, and a seeded random generator so demos repeat. */

export const FIRST_NAMES = [
  'Jan',
  'Sanne',
  'Pieter',
  'Anouk',
  'Kees',
  'Femke',
  'Willem',
  'Lotte',
  'Daan',
  'Eva',
  'Bram',
  'Iris',
  'Joost',
  'Marieke',
  'Ruben',
  'Noor',
  'Thijs',
  'Fleur',
  'Sjoerd',
  'Maaike',
  'Gerrit',
  'Ilse',
  'Hendrik',
  'Roos',
  'Bas',
  'Lieke',
  'Mohamed',
  'Fatima',
  'Youssef',
  'Aylin',
  'Jeroen',
  'Esther',
  'Koen',
  'Merel',
  'Arjen',
  'Jolien',
];
export const SURNAMES = [
  'de Vries',
  'Jansen',
  'van den Berg',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'de Boer',
  'Mulder',
  'de Groot',
  'Bos',
  'Vos',
  'Peters',
  'Hendriks',
  'van Leeuwen',
  'Dekker',
  'Brouwer',
  'de Wit',
  'Dijkstra',
  'Smits',
  'de Graaf',
  'van der Meer',
  'van der Linden',
  'Kok',
  'Jacobs',
  'de Haan',
  'Vermeulen',
  'van den Heuvel',
  'van der Veen',
  'van Dijk',
  'Hoekstra',
  'Postma',
  'El Amrani',
  'Yilmaz',
  'Kuipers',
  'Verbeek',
];
export const STREETS = [
  'Dorpsstraat',
  'Kerkstraat',
  'Molenweg',
  'Schoolstraat',
  'Stationsweg',
  'Julianastraat',
  'Beatrixlaan',
  'Wilhelminaweg',
  'Eikenlaan',
  'Lindenlaan',
  'Brink',
  'Havenkade',
  'Zonnebloemstraat',
  'Dijkweg',
  'Parallelweg',
];
export const CITIES: readonly (readonly [string, string])[] = [
  ['Zwolle', '8011'],
  ['Deventer', '7411'],
  ['Utrecht', '3511'],
  ['Groningen', '9711'],
  ['Nijmegen', '6511'],
  ['Haarlem', '2011'],
  ['Amersfoort', '3811'],
  ['Leeuwarden', '8911'],
  ['Arnhem', '6811'],
  ['Delft', '2611'],
  ['Tilburg', '5038'],
  ['Hoorn', '1621'],
  ['Assen', '9401'],
  ['Middelburg', '4331'],
  ['Venlo', '5911'],
];
export const COMPANY_WORDS = [
  'Groen',
  'Zon',
  'Wind',
  'Duurzaam',
  'Noord',
  'Polder',
  'Rivier',
  'Klimaat',
  'Energie',
  'Vakwerk',
];
export const COMPANY_KINDS = [
  'Installatietechniek',
  'Isolatie',
  'Advies',
  'Bouw',
  'Solar',
  'Warmte',
  'Opleidingen',
  'Zorg',
  'Logistiek',
];

/** Mulberry32: a small, fast, seeded PRNG; demo data only, never for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Picker {
  pick<T>(list: readonly T[]): T;
  int(min: number, max: number): number;
  chance(p: number): boolean;
}

export function picker(seed: number): Picker {
  const rnd = seededRandom(seed);
  return {
    pick: <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!,
    int: (min, max) => min + Math.floor(rnd() * (max - min + 1)),
    chance: (p) => rnd() < p,
  };
}

export function emailFor(first: string, last: string, n: number, domain = 'example.nl'): string {
  const clean = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');
  return `${clean(first)}.${clean(last)}${n}@${domain}`;
}

export function phoneFor(p: Picker): string {
  return `+31 6 ${p.int(10000000, 99999999)}`;
}

export function postalCode(p: Picker, prefix: string): string {
  const letters = 'ABCDEGHJKLMNPRSTVWXZ';
  return `${prefix} ${p.pick([...letters])}${p.pick([...letters])}`;
}

/** A date `days` after the given ISO date, as YYYY-MM-DD. */
export function addDaysIso(isoDate: string, days: number): string {
  const d = new Date(isoDate + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
