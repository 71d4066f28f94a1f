import type { DossierType } from '../dossier-type.js';
import type { DemoDossier, DemoUser, Preset } from './preset.js';
import { f, l, slug, statuses } from './preset-builders.js';
import {
  CITIES,
  COMPANY_KINDS,
  COMPANY_WORDS,
  FIRST_NAMES,
  STREETS,
  SURNAMES,
  addDaysIso,
  emailFor,
  phoneFor,
  picker,
} from './dutch-demo-names.js';

const TRAINING_STATUSES = statuses([
  ['Te starten', 'To start'],
  ['Definitief', 'Confirmed'],
  ['Gestart', 'Started'],
  ['Afgerond', 'Finished'],
  ['Geannuleerd', 'Cancelled'],
]);

export const TRAINING_INSTITUTE_TYPES: readonly DossierType[] = [
  {
    key: 'organisation',
    label: l('Bedrijf', 'Organisation'),
    pluralLabel: l('Bedrijven', 'Organisations'),
    titleField: 'name',
    statuses: [],
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.simple('email', 'email', 'E-mail', 'E-mail'),
      f.simple('phone', 'phone', 'Telefoon', 'Phone'),
      f.simple('address', 'text', 'Adres', 'Address'),
      f.simple('city', 'text', 'Plaats', 'City'),
      f.simple('kvkNumber', 'text', 'KvK-nummer', 'Chamber of Commerce number'),
    ],
  },
  {
    key: 'person',
    label: l('Persoon', 'Person'),
    pluralLabel: l('Personen', 'People'),
    titleField: 'name',
    statuses: [],
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.simple('firstName', 'text', 'Voornaam', 'First name'),
      f.simple('lastName', 'text', 'Achternaam', 'Last name'),
      f.simple('email', 'email', 'E-mail', 'E-mail'),
      f.simple('phone', 'phone', 'Telefoon', 'Phone'),
      f.simple('city', 'text', 'Plaats', 'City'),
      f.ref('organisation', 'organisation', 'Bedrijf', 'Organisation'),
    ],
  },
  {
    key: 'contactPerson',
    label: l('Contactpersoon klant', 'Customer contact person'),
    pluralLabel: l('Contactpersonen', 'Contact persons'),
    titleField: 'role',
    titleTemplate: '{person} – {organisation}',
    statuses: [],
    fields: [
      f.ref('person', 'person', 'Persoon', 'Person', true),
      f.ref('organisation', 'organisation', 'Bedrijf', 'Organisation', true),
      f.simple('role', 'text', 'Functie', 'Role'),
    ],
  },
  {
    key: 'trainingType',
    label: l('Opleidingssoort', 'Training type'),
    pluralLabel: l('Opleidingssoorten', 'Training types'),
    titleField: 'name',
    statuses: [],
    fields: [f.simple('name', 'text', 'Naam', 'Name', true), f.simple('code', 'text', 'Code', 'Code')],
  },
  {
    key: 'location',
    label: l('Locatie', 'Location'),
    pluralLabel: l('Locaties', 'Locations'),
    titleField: 'name',
    statuses: [],
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.simple('address', 'text', 'Adres', 'Address'),
      f.simple('city', 'text', 'Plaats', 'City'),
    ],
  },
  {
    key: 'teacher',
    label: l('Docent', 'Teacher'),
    pluralLabel: l('Docenten', 'Teachers'),
    titleField: 'name',
    statuses: [],
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.simple('email', 'email', 'E-mail', 'E-mail'),
      f.simple('phone', 'phone', 'Telefoon', 'Phone'),
    ],
  },
  {
    key: 'training',
    label: l('Opleiding', 'Training'),
    pluralLabel: l('Opleidingen', 'Trainings'),
    titleField: 'name',
    titleTemplate: '{name} {startDate}',
    categoryField: 'trainingType',
    statuses: TRAINING_STATUSES,
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.ref('trainingType', 'trainingType', 'Opleidingssoort', 'Training type', true),
      f.status(),
      f.simple('startDate', 'date', 'Startdatum', 'Start date', true),
      f.simple('endDate', 'date', 'Einddatum', 'End date'),
      f.ref('location', 'location', 'Locatie', 'Location'),
      f.ref('teacher', 'teacher', 'Docent', 'Teacher'),
      f.ref('contactPerson', 'contactPerson', 'Contactpersoon', 'Contact person'),
      f.simple('coach', 'user', 'Coach', 'Coach'),
      f.simple('maxParticipants', 'number', 'Maximum aantal deelnemers', 'Maximum participants'),
      f.simple('price', 'money', 'Prijs', 'Price'),
    ],
  },
  {
    key: 'participant',
    label: l('Opleidingsdeelnemer', 'Participant'),
    pluralLabel: l('Opleidingsdeelnemers', 'Participants'),
    titleField: 'status',
    titleTemplate: '{person} – {training}',
    statuses: statuses([
      ['Aangemeld', 'Registered'],
      ['Geplaatst', 'Placed'],
      ['Afgemeld', 'Withdrawn'],
      ['Geslaagd', 'Passed'],
      ['Niet geslaagd', 'Failed'],
    ]).map((s) => (s.code === 'afgemeld' ? { ...s, withdrawn: true } : s)),
    fields: [
      f.ref('training', 'training', 'Opleiding', 'Training', true),
      f.ref('person', 'person', 'Persoon', 'Person', true),
      f.status(),
      f.simple('registeredAt', 'datetime', 'Aangemeld op', 'Registered at'),
    ],
  },
  {
    key: 'request',
    label: l('Aanvraag', 'Request'),
    pluralLabel: l('Aanvragen', 'Requests'),
    titleField: 'description',
    categoryField: 'trainingType',
    statuses: statuses([
      ['Offerte', 'Quotation'],
      ['Opdracht', 'Order'],
      ['Factuur', 'Invoice'],
      ['Afgewezen', 'Declined'],
    ]),
    fields: [
      f.simple('description', 'text', 'Omschrijving', 'Description', true),
      f.ref('organisation', 'organisation', 'Bedrijf', 'Organisation', true),
      f.ref('contactPerson', 'contactPerson', 'Contactpersoon', 'Contact person'),
      f.ref('trainingType', 'trainingType', 'Opleidingssoort', 'Training type'),
      f.status(),
      f.simple('amount', 'money', 'Bedrag', 'Amount'),
      f.simple('owner', 'user', 'Eigenaar', 'Owner'),
    ],
  },
  {
    key: 'invoice',
    label: l('Factuur', 'Invoice'),
    pluralLabel: l('Facturen', 'Invoices'),
    titleField: 'number',
    statuses: statuses([
      ['Concept', 'Draft'],
      ['Definitief', 'Final'],
      ['Verstuurd', 'Sent'],
      ['Betaald', 'Paid'],
      ['Herinnering', 'Reminder'],
    ]),
    fields: [
      f.simple('number', 'text', 'Factuurnummer', 'Invoice number', true),
      f.ref('request', 'request', 'Aanvraag', 'Request'),
      f.ref('organisation', 'organisation', 'Bedrijf', 'Organisation', true),
      f.status(),
      f.simple('amount', 'money', 'Bedrag', 'Amount', true),
      f.simple('invoiceDate', 'date', 'Factuurdatum', 'Invoice date'),
      f.simple('dueDate', 'date', 'Vervaldatum', 'Due date'),
    ],
  },
  {
    key: 'webRequest',
    label: l('Webaanvraag', 'Web request'),
    pluralLabel: l('Webaanvragen', 'Web requests'),
    titleField: 'name',
    categoryField: 'trainingType',
    statuses: statuses([
      ['Nieuw', 'New'],
      ['In behandeling', 'In progress'],
      ['Verwerkt', 'Processed'],
    ]),
    fields: [
      f.simple('name', 'text', 'Naam', 'Name', true),
      f.simple('email', 'email', 'E-mail', 'E-mail', true),
      f.simple('phone', 'phone', 'Telefoon', 'Phone'),
      f.ref('trainingType', 'trainingType', 'Opleidingssoort', 'Training type'),
      f.status(),
      f.simple('message', 'longText', 'Bericht', 'Message'),
    ],
  },
  {
    key: 'evaluation',
    label: l('Evaluatie', 'Evaluation'),
    pluralLabel: l('Evaluaties', 'Evaluations'),
    titleField: 'comment',
    titleTemplate: '{participant}',
    statuses: statuses([
      ['Uitgenodigd', 'Invited'],
      ['Ingevuld', 'Completed'],
    ]),
    fields: [
      f.ref('training', 'training', 'Opleiding', 'Training', true),
      f.ref('participant', 'participant', 'Deelnemer', 'Participant'),
      f.status(),
      f.simple('score', 'number', 'Cijfer', 'Score'),
      f.simple('comment', 'longText', 'Toelichting', 'Comment'),
    ],
  },
];

const TRAINING_TYPES = [
  'BHV Basis',
  'VCA Basis',
  'Leidinggeven in de praktijk',
  'Excel gevorderd',
  'Timemanagement',
  'Heftruckcertificaat',
];

function demoData({ count, seed, today }: { count: number; seed: number; today: string }) {
  const p = picker(seed);
  const users: DemoUser[] = [
    {
      key: 'dirk',
      name: 'Dirk van Dam',
      email: 'dirk.vandam@opleidingen.example.nl',
      phone: '+31 6 44444444',
      jobTitle: 'Opleidingscoördinator',
      teams: ['Planning'],
    },
    {
      key: 'esmee',
      name: 'Esmee Koster',
      email: 'esmee.koster@opleidingen.example.nl',
      phone: '+31 6 55555555',
      jobTitle: 'Accountmanager',
      teams: ['Verkoop'],
    },
  ];
  const out: DemoDossier[] = [];
  TRAINING_TYPES.forEach((name, i) =>
    out.push({
      type: 'trainingType',
      ref: `tt-${i}`,
      data: { name, code: slug(name).slice(0, 8).toUpperCase() },
    }),
  );
  CITIES.slice(0, 4).forEach(([city], i) =>
    out.push({
      type: 'location',
      ref: `loc-${i}`,
      data: { name: `Opleidingscentrum ${city}`, address: `${p.pick(STREETS)} ${p.int(1, 90)}`, city },
    }),
  );
  for (let i = 0; i < 4; i++) {
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(SURNAMES);
    out.push({
      type: 'teacher',
      ref: `teacher-${i}`,
      data: {
        name: `${first} ${last}`,
        email: emailFor(first, last, i, 'docenten.example.nl'),
        phone: phoneFor(p),
      },
    });
  }
  const orgs = Math.max(3, Math.round(count / 20));
  for (let i = 0; i < orgs; i++) {
    const name = `${p.pick(COMPANY_WORDS)} ${p.pick(COMPANY_KINDS)} B.V.`;
    const [city] = p.pick(CITIES);
    out.push({
      type: 'organisation',
      ref: `org-${i}`,
      data: {
        name,
        email: `info${i}@${slug(name)}.example.nl`,
        phone: phoneFor(p),
        city,
        kvkNumber: String(p.int(10000000, 99999999)),
      },
    });
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(SURNAMES);
    out.push({
      type: 'person',
      ref: `cp-person-${i}`,
      data: {
        name: `${first} ${last}`,
        firstName: first,
        lastName: last,
        email: emailFor(first, last, i, 'klant.example.nl'),
        city,
      },
      links: { organisation: `org-${i}` },
    });
    out.push({
      type: 'contactPerson',
      ref: `cp-${i}`,
      data: { role: 'HR-adviseur' },
      links: { person: `cp-person-${i}`, organisation: `org-${i}` },
    });
  }
  const trainings = Math.max(2, Math.round(count / 10));
  for (let i = 0; i < trainings; i++) {
    const t = p.int(0, TRAINING_TYPES.length - 1);
    const start = addDaysIso(today, p.int(3, 90));
    out.push({
      type: 'training',
      ref: `training-${i}`,
      data: {
        name: TRAINING_TYPES[t],
        status: p.pick(['te-starten', 'definitief']),
        startDate: start,
        endDate: addDaysIso(start, p.int(0, 2)),
        maxParticipants: 12,
        price: p.pick([295, 450, 895.5]),
      },
      links: {
        trainingType: `tt-${t}`,
        location: `loc-${p.int(0, 3)}`,
        teacher: `teacher-${p.int(0, 3)}`,
        contactPerson: `cp-${p.int(0, orgs - 1)}`,
      },
      people: { coach: p.pick(['dirk', 'esmee']) },
    });
  }
  for (let i = 0; i < count; i++) {
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(SURNAMES);
    const org = p.int(0, orgs - 1);
    out.push({
      type: 'person',
      ref: `person-${i}`,
      data: {
        name: `${first} ${last}`,
        firstName: first,
        lastName: last,
        email: emailFor(first, last, i),
        phone: phoneFor(p),
      },
      links: { organisation: `org-${org}` },
    });
    out.push({
      type: 'participant',
      ref: `participant-${i}`,
      data: { status: p.pick(['aangemeld', 'geplaatst']) },
      links: { training: `training-${i % trainings}`, person: `person-${i}` },
    });
  }
  for (let i = 0; i < Math.max(2, Math.round(count / 25)); i++) {
    const org = p.int(0, orgs - 1);
    out.push({
      type: 'request',
      ref: `request-${i}`,
      data: {
        description: `Incompany ${p.pick(TRAINING_TYPES)}`,
        status: p.pick(['offerte', 'opdracht']),
        amount: p.int(1500, 9000),
      },
      links: {
        organisation: `org-${org}`,
        contactPerson: `cp-${org}`,
        trainingType: `tt-${p.int(0, TRAINING_TYPES.length - 1)}`,
      },
      people: { owner: 'esmee' },
    });
    out.push({
      type: 'invoice',
      ref: `invoice-${i}`,
      data: {
        number: `2026-${String(1000 + i)}`,
        status: p.pick(['concept', 'verstuurd', 'betaald']),
        amount: p.int(1500, 9000),
        invoiceDate: addDaysIso(today, -p.int(0, 30)),
        dueDate: addDaysIso(today, p.int(-10, 30)),
      },
      links: { request: `request-${i}`, organisation: `org-${org}` },
    });
  }
  return { users, teams: ['Planning', 'Verkoop'], dossiers: out };
}

export const trainingInstitutePreset: Preset = {
  key: 'training-institute',
  label: l('Opleidingsinstituut (Coachview)', 'Training institute (Coachview)'),
  dossierTypes: TRAINING_INSTITUTE_TYPES,
  demoData,
};
