/**
 * The action-template form in Coachview's words: name, proces, datagroep, uitvoering, gebeurtenis,
 * timing built from pickers (with its sentence and an example date), voorwaarden, effect,
 * toegewezen aan, herhaling, herinnering, vervallen, gekoppelde categorieën and "per deelnemer"
 * (fan-out). It edits a whole TemplateDefinition; every field the API has is on it.
 */
import {
  Autocomplete,
  Fieldset,
  Group,
  MultiSelect,
  NumberInput,
  Radio,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { describeTiming } from '../../../domain/timing/timing.js';
import { type DossierType, type Template, type TemplateDefinition, api } from '../api.js';
import { useDossierTypes } from '../dossier-types.js';
import { type Key, useI18n } from '../i18n.js';
import { ConditionBuilder } from './condition-builder.js';
import { useEmailTemplates } from './email-templates.js';
import { pathOptions, useDossierOptions, useFieldPaths, usePeople, ValueInput } from './fields.js';
import { TimeField } from '../date-field.js';

type Def = TemplateDefinition;
type Event = Def['event'];
type Effect = Def['effect'];
type Assignee = Def['assignee'];
type Unit = Def['timing']['unit'];

const MODES = ['manual', 'semiAutomatic', 'automatic'] as const;
const EVENTS: Event['type'][] = [
  'created',
  'fieldChanged',
  'statusSet',
  'dateReached',
  'actionCompleted',
  'actionExpired',
  'manual',
  'deleted',
];
const EFFECTS: Effect['type'][] = [
  'sendEmail',
  'createTask',
  'createDossier',
  'setField',
  'setStatus',
  'webhook',
  'none',
];
const UNITS: Unit[] = ['minutes', 'hours', 'days', 'weeks', 'workingDays'];

/** Where in a definition a request path points, in words (for messages and highlighting). */
const PATH_LABELS: [string, Key][] = [
  ['name', 'tpl.name'],
  ['process', 'tpl.process'],
  ['dossierType', 'tpl.dossierType'],
  ['executionMode', 'tpl.mode'],
  ['event', 'tpl.event'],
  ['timing', 'tpl.timing'],
  ['conditions', 'tpl.conditions'],
  ['effect.templateId', 'tpl.effect.template'],
  ['effect.to', 'tpl.effect.to'],
  ['effect', 'tpl.effect'],
  ['assignee', 'tpl.assignee'],
  ['repeat', 'tpl.repeat'],
  ['reminder', 'tpl.reminder'],
  ['expiry', 'tpl.expiry'],
  ['categories', 'tpl.categories'],
  ['fanOut', 'tpl.fanOut'],
  ['priority', 'tpl.priority'],
  ['whenConditionsFail', 'tpl.whenFail'],
  ['skipIfLateHours', 'tpl.skipLate'],
];

/** The form section a request path belongs to (`effect.to[0].path` → `effect.to`). */
export function sectionOf(path: string): [string, Key] | undefined {
  return PATH_LABELS.find(
    ([prefix]) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`),
  );
}

/** The option with the shortest path (the dossier's own field before one further away), if any. */
function nearest(options: { value: string; label: string }[]): { value: string; label: string }[] {
  return [...options].sort((a, b) => a.value.split('.').length - b.value.split('.').length).slice(0, 1);
}

/** A starting definition for a new template on a dossier type. */
export function starter(dossierType: string): Def {
  return {
    name: '',
    process: '',
    dossierType,
    event: { type: 'created' },
    conditions: { type: 'all', conditions: [] },
    timing: { anchor: { type: 'event' }, offset: 1, unit: 'workingDays' },
    executionMode: 'manual',
    effect: { type: 'none' },
    assignee: { type: 'none' },
    repeat: 'once',
    recheckAtDue: true,
    whenConditionsFail: 'cancel',
    categories: [],
    priority: 'normal',
  };
}

function Section({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <Fieldset legend={legend} className="form-section">
      <Stack gap="sm">{children}</Stack>
    </Fieldset>
  );
}

export function TemplateForm({
  value: d,
  onChange,
  errors,
  processes,
  example,
}: {
  value: Def;
  onChange: (next: Def) => void;
  /** Messages per request path (from the server), shown on the field they belong to. */
  errors: Record<string, string>;
  processes: string[];
  /** "Voorbeeld: …" under the timing, from the live simulation. */
  example?: ReactNode;
}) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const types = useDossierTypes();
  const type = types.data?.find((x) => x.key === d.dossierType);
  const paths = useFieldPaths(d.dossierType);
  const set = (patch: Partial<Def>) => onChange({ ...d, ...patch });
  const err = (prefix: string) =>
    Object.entries(errors).find(
      ([p]) => p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`),
    )?.[1];
  const dateFields = paths.filter(
    (p) => !p.path.includes('.') && (p.field.kind === 'date' || p.field.kind === 'datetime'),
  );
  const fieldLabels = Object.fromEntries(paths.map((p) => [p.path, p.label]));
  const before = d.timing.offset < 0;
  const withTime = ['days', 'weeks', 'workingDays'].includes(d.timing.unit);
  /** The dossier type the effect works on: the related dossier with fan-out, else the template's. */
  const effectType = d.fanOut?.dossierType ?? d.dossierType;
  return (
    <Stack gap="md">
      <Section legend={t('tpl.section.general')}>
        <TextInput
          label={t('tpl.name')}
          required
          value={d.name}
          error={err('name')}
          onChange={(e) => set({ name: e.currentTarget.value })}
        />
        <Group grow align="start" wrap="wrap" className="field-row">
          <Autocomplete
            label={t('tpl.process')}
            description={t('tpl.process.help')}
            value={d.process ?? ''}
            data={processes}
            error={err('process')}
            onChange={(v) => set({ process: v })}
          />
          <Select
            label={t('tpl.dossierType')}
            description={t('tpl.dossierType.help')}
            required
            allowDeselect={false}
            value={d.dossierType}
            error={err('dossierType')}
            onChange={(v) =>
              v &&
              v !== d.dossierType &&
              set({ ...starter(v), name: d.name, process: d.process, executionMode: d.executionMode })
            }
            data={(types.data ?? []).map((x) => ({ value: x.key, label: label(x.label) }))}
          />
        </Group>
        <Textarea
          label={t('tpl.description')}
          autosize
          minRows={2}
          value={d.description ?? ''}
          onChange={(e) => set({ description: e.currentTarget.value || undefined })}
        />
      </Section>

      <Section legend={t('tpl.mode')}>
        <Radio.Group
          value={d.executionMode}
          onChange={(v) => set({ executionMode: v as Def['executionMode'] })}
          error={err('executionMode')}
        >
          <Stack gap="xs">
            {MODES.map((m) => (
              <Radio key={m} value={m} label={t(`mode.${m}`)} description={t(`tpl.mode.${m}.help`)} />
            ))}
          </Stack>
        </Radio.Group>
        <Select
          label={t('tpl.priority')}
          w={200}
          allowDeselect={false}
          value={d.priority}
          onChange={(v) => set({ priority: (v ?? 'normal') as Def['priority'] })}
          data={(['low', 'normal', 'high'] as const).map((p) => ({ value: p, label: t(`priority.${p}`) }))}
        />
      </Section>

      <Section legend={t('tpl.event')}>
        <EventEditor event={d.event} type={type} onChange={(event) => set({ event })} error={err('event')} />
      </Section>

      <Section legend={t('tpl.timing')}>
        <Group gap="xs" align="end" wrap="wrap">
          <NumberInput
            label={t('tpl.timing.amount')}
            min={0}
            max={3650}
            w={110}
            value={Math.abs(d.timing.offset)}
            error={err('timing.offset')}
            onChange={(v) => set({ timing: { ...d.timing, offset: (before ? -1 : 1) * (Number(v) || 0) } })}
          />
          <Select
            label={t('tpl.timing.unit')}
            w={150}
            allowDeselect={false}
            value={d.timing.unit}
            onChange={(v) => {
              const unit = (v ?? 'days') as Unit;
              const keepTime = ['days', 'weeks', 'workingDays'].includes(unit);
              set({ timing: { ...d.timing, unit, atTime: keepTime ? d.timing.atTime : undefined } });
            }}
            data={UNITS.map((u) => ({ value: u, label: t(`tpl.unit.${u}`) }))}
          />
          <Select
            label={t('tpl.timing.direction')}
            w={110}
            allowDeselect={false}
            value={before ? 'before' : 'after'}
            onChange={(v) =>
              set({ timing: { ...d.timing, offset: (v === 'before' ? -1 : 1) * Math.abs(d.timing.offset) } })
            }
            data={[
              { value: 'after', label: t('tpl.timing.after') },
              { value: 'before', label: t('tpl.timing.before') },
            ]}
          />
          <Select
            label={t('tpl.timing.anchor')}
            w={200}
            allowDeselect={false}
            value={d.timing.anchor.type === 'field' ? d.timing.anchor.field : ''}
            error={err('timing.anchor')}
            onChange={(v) =>
              set({ timing: { ...d.timing, anchor: v ? { type: 'field', field: v } : { type: 'event' } } })
            }
            data={[{ value: '', label: t('tpl.timing.event') }, ...pathOptions(dateFields)]}
          />
          {withTime ? (
            <TimeField
              label={t('tpl.timing.at')}
              w={120}
              value={d.timing.atTime ?? ''}
              error={err('timing.atTime')}
              onChange={(v) => set({ timing: { ...d.timing, atTime: v || undefined } })}
            />
          ) : null}
        </Group>
        <Text size="sm" fw={600} data-testid="timing-sentence">
          {describeTiming(d.timing, i18n.lang, fieldLabels)}
        </Text>
        {example}
      </Section>

      <Section legend={t('tpl.conditions')}>
        <ConditionBuilder
          rootType={d.dossierType}
          value={d.conditions}
          onChange={(conditions) => set({ conditions })}
          error={err('conditions')}
        />
        <Switch
          label={t('tpl.recheck')}
          checked={d.recheckAtDue}
          onChange={(e) => set({ recheckAtDue: e.currentTarget.checked })}
        />
        <Radio.Group
          label={t('tpl.whenFail')}
          value={d.whenConditionsFail}
          onChange={(v) => set({ whenConditionsFail: v === 'wait' ? 'wait' : 'cancel' })}
        >
          <Group mt={4}>
            <Radio value="cancel" label={t('tpl.whenFail.cancel')} />
            <Radio value="wait" label={t('tpl.whenFail.wait')} />
          </Group>
        </Radio.Group>
      </Section>

      <Section legend={t('tpl.fanOut')}>
        <FanOutEditor value={d} onChange={(fanOut) => set({ fanOut })} error={err('fanOut')} />
      </Section>

      <Section legend={t('tpl.effect')}>
        <EffectEditor
          effect={d.effect}
          rootType={effectType}
          onChange={(effect) => set({ effect })}
          err={err}
        />
      </Section>

      <Section legend={t('tpl.assignee')}>
        <AssigneeEditor
          value={d.assignee}
          rootType={d.dossierType}
          onChange={(assignee) => set({ assignee })}
          error={err('assignee')}
        />
      </Section>

      <Section legend={t('tpl.repeat')}>
        <Radio.Group
          value={d.repeat}
          onChange={(v) => set({ repeat: v === 'everyTime' ? 'everyTime' : 'once' })}
        >
          <Stack gap="xs">
            <Radio value="once" label={t('tpl.repeat.once')} />
            <Radio value="everyTime" label={t('tpl.repeat.everyTime')} />
          </Stack>
        </Radio.Group>
      </Section>

      <Section legend={t('tpl.reminderExpiry')}>
        <Switch
          label={t('tpl.reminder')}
          checked={d.reminder !== undefined}
          onChange={(e) =>
            set({ reminder: e.currentTarget.checked ? { after: { offset: 7, unit: 'days' } } : undefined })
          }
        />
        {d.reminder ? (
          <Group gap="xs" align="end" wrap="wrap">
            <Duration
              label={t('tpl.reminder.after')}
              value={d.reminder.after}
              onChange={(after) => set({ reminder: { ...d.reminder!, after } })}
              error={err('reminder')}
            />
            <EmailTemplateSelect
              rootType={effectType}
              label={t('tpl.reminder.template')}
              value={d.reminder.emailTemplateId ?? null}
              onChange={(id) => set({ reminder: { ...d.reminder!, emailTemplateId: id ?? undefined } })}
            />
          </Group>
        ) : null}
        <Switch
          label={t('tpl.expiry')}
          checked={d.expiry !== undefined}
          onChange={(e) =>
            set({ expiry: e.currentTarget.checked ? { offset: 2, unit: 'workingDays' } : undefined })
          }
        />
        {d.expiry ? (
          <Duration
            label={t('tpl.expiry.after')}
            value={d.expiry}
            onChange={(expiry) => set({ expiry })}
            error={err('expiry')}
          />
        ) : null}
        <NumberInput
          label={t('tpl.skipLate')}
          description={t('tpl.skipLate.help')}
          min={1}
          w={320}
          value={d.skipIfLateHours ?? ''}
          onChange={(v) => set({ skipIfLateHours: typeof v === 'number' && v > 0 ? v : undefined })}
        />
      </Section>

      {type?.categoryField ? (
        <Section legend={t('tpl.categories')}>
          <Categories
            type={type}
            value={d.categories}
            onChange={(categories) => set({ categories })}
            error={err('categories')}
          />
        </Section>
      ) : null}
    </Stack>
  );
}

function Duration({
  label: text,
  value,
  onChange,
  error,
}: {
  label: string;
  value: { offset: number; unit: Unit };
  onChange: (next: { offset: number; unit: Unit }) => void;
  error?: string;
}) {
  const { t } = useI18n();
  return (
    <Group gap="xs" align="end">
      <NumberInput
        label={text}
        min={1}
        w={120}
        value={value.offset}
        error={error}
        onChange={(v) => onChange({ ...value, offset: Number(v) || 1 })}
      />
      <Select
        aria-label={t('tpl.timing.unit')}
        w={150}
        allowDeselect={false}
        value={value.unit}
        onChange={(v) => onChange({ ...value, unit: (v ?? 'days') as Unit })}
        data={UNITS.map((u) => ({ value: u, label: t(`tpl.unit.${u}`) }))}
      />
    </Group>
  );
}

function EventEditor({
  event,
  type,
  onChange,
  error,
}: {
  event: Event;
  type: DossierType | undefined;
  onChange: (next: Event) => void;
  error?: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const paths = useFieldPaths(type?.key, 0);
  const templates = useTemplateOptions();
  const statusField = type?.fields.find((f) => f.kind === 'status');
  const make = (kind: Event['type']): Event => {
    switch (kind) {
      case 'fieldChanged':
        return { type: kind, field: paths[0]?.path ?? '' };
      case 'statusSet':
        return { type: kind, to: [] };
      case 'dateReached':
        return { type: kind, field: paths.find((p) => p.field.kind === 'date')?.path ?? '' };
      case 'actionCompleted':
      case 'actionExpired':
        return { type: kind, templateId: '' };
      default:
        return { type: kind };
    }
  };
  const changed = event.type === 'fieldChanged' ? paths.find((p) => p.path === event.field) : undefined;
  return (
    <Stack gap="xs">
      <Select
        label={t('tpl.event.type')}
        allowDeselect={false}
        value={event.type}
        error={error}
        onChange={(v) => v && onChange(make(v as Event['type']))}
        data={EVENTS.map((e) => ({ value: e, label: t(`event.${e}`) }))}
      />
      {event.type === 'fieldChanged' ? (
        <Group grow align="start" wrap="wrap" className="field-row">
          <Select
            label={t('tpl.event.field')}
            searchable
            value={event.field || null}
            onChange={(v) => onChange({ type: 'fieldChanged', field: v ?? '' })}
            data={pathOptions(paths)}
          />
          <ValueInput
            label={t('tpl.event.from')}
            field={changed?.field}
            owner={type}
            value={event.from}
            onChange={(from) => onChange({ ...event, from: from === '' ? undefined : from })}
          />
          <ValueInput
            label={t('tpl.event.to')}
            field={changed?.field}
            owner={type}
            value={event.to}
            onChange={(to) => onChange({ ...event, to: to === '' ? undefined : to })}
          />
        </Group>
      ) : null}
      {event.type === 'statusSet' ? (
        <Group grow align="start" wrap="wrap" className="field-row">
          <ValueInput
            label={t('tpl.event.statusTo')}
            field={statusField}
            owner={type}
            multiple
            value={event.to}
            onChange={(to) => onChange({ ...event, to: (to as string[]) ?? [] })}
          />
          <ValueInput
            label={t('tpl.event.statusFrom')}
            field={statusField}
            owner={type}
            multiple
            value={event.from ?? []}
            onChange={(from) =>
              onChange({ ...event, from: (from as string[]).length ? (from as string[]) : undefined })
            }
          />
        </Group>
      ) : null}
      {event.type === 'dateReached' ? (
        <Select
          label={t('tpl.event.date')}
          value={event.field || null}
          onChange={(v) => onChange({ type: 'dateReached', field: v ?? '' })}
          data={pathOptions(paths, ['date', 'datetime'])}
        />
      ) : null}
      {event.type === 'actionCompleted' || event.type === 'actionExpired' ? (
        <Select
          label={t('tpl.event.template')}
          searchable
          value={event.templateId || null}
          onChange={(v) => onChange({ type: event.type, templateId: v ?? '' })}
          data={templates}
        />
      ) : null}
      <Text size="sm" c="dimmed">
        {t(`tpl.event.${event.type}.help`)}
      </Text>
    </Stack>
  );
}

/** The action templates by name (for chaining). */
function useTemplateOptions() {
  const list = useTemplatesList();
  return (list.data ?? []).map((x) => ({ value: x.id, label: x.draft.name }));
}

export function useTemplatesList() {
  return useQuery({
    queryKey: ['templates', 'list'],
    queryFn: async () => (await api<{ items: Template[] }>('GET', '/api/templates')).items,
  });
}

export function EmailTemplateSelect({
  rootType,
  label: text,
  value,
  onChange,
  error,
}: {
  rootType: string;
  label: string;
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string;
}) {
  const { t } = useI18n();
  const templates = useEmailTemplates();
  return (
    <Select
      label={text}
      searchable
      w={320}
      value={value}
      error={error}
      onChange={onChange}
      nothingFoundMessage={t('workflows.form.noTemplates')}
      data={(templates.data ?? [])
        .filter((x) => x.rootType === rootType)
        .map((x) => ({ value: x.id, label: x.name }))}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

function EffectEditor({
  effect,
  rootType,
  onChange,
  err,
}: {
  effect: Effect;
  rootType: string;
  onChange: (next: Effect) => void;
  err: (path: string) => string | undefined;
}) {
  const i18n = useI18n();
  const { t, label } = i18n;
  const types = useDossierTypes();
  const paths = useFieldPaths(rootType);
  const root = types.data?.find((x) => x.key === rootType);
  const taskType = types.data?.find((x) => x.key === 'task')?.fields.find((f) => f.key === 'taskType');
  const make = (kind: Effect['type']): Effect => {
    switch (kind) {
      case 'sendEmail':
        return {
          type: kind,
          templateId: '',
          to: nearest(pathOptions(paths, ['email'])).map((p) => ({ type: 'field', path: p.value })),
        };
      case 'createTask':
        return { type: kind, taskType: '', description: '', responsible: { type: 'none' }, plannedInDays: 2 };
      case 'createDossier':
        return { type: kind, dossierType: '', fields: {} };
      case 'setField':
        return { type: kind, field: '', value: null };
      case 'setStatus':
        return { type: kind, status: '' };
      case 'webhook':
        return { type: kind, url: '' };
      default:
        return { type: 'none' };
    }
  };
  return (
    <Stack gap="xs">
      <Select
        label={t('tpl.effect.type')}
        allowDeselect={false}
        value={effect.type}
        onChange={(v) => v && onChange(make(v as Effect['type']))}
        data={EFFECTS.map((e) => ({ value: e, label: t(`effect.${e}`) }))}
      />
      {effect.type === 'sendEmail' ? (
        <>
          <EmailTemplateSelect
            rootType={rootType}
            label={t('tpl.effect.template')}
            value={effect.templateId || null}
            error={err('effect.templateId')}
            onChange={(id) => onChange({ ...effect, templateId: id ?? '' })}
          />
          <MultiSelect
            label={t('tpl.effect.to')}
            description={t('tpl.effect.to.help')}
            searchable
            error={err('effect.to')}
            value={effect.to.filter((r) => r.type === 'field').map((r) => (r as { path: string }).path)}
            onChange={(fields) =>
              onChange({
                ...effect,
                to: [
                  ...fields.map((path) => ({ type: 'field' as const, path })),
                  ...effect.to.filter((r) => r.type === 'address'),
                ],
              })
            }
            data={pathOptions(paths, ['email'])}
            comboboxProps={{ withinPortal: true }}
          />
          <TagsInput
            label={t('tpl.effect.addresses')}
            value={effect.to
              .filter((r) => r.type === 'address')
              .map((r) => (r as { address: string }).address)}
            onChange={(addresses) =>
              onChange({
                ...effect,
                to: [
                  ...effect.to.filter((r) => r.type !== 'address'),
                  ...addresses.map((address) => ({ type: 'address' as const, address })),
                ],
              })
            }
          />
        </>
      ) : null}
      {effect.type === 'createTask' ? (
        <>
          <ValueInput
            label={t('tpl.effect.taskType')}
            field={taskType}
            owner={undefined}
            value={effect.taskType}
            error={err('effect.taskType')}
            onChange={(v) => onChange({ ...effect, taskType: String(v ?? '') })}
          />
          <TextInput
            label={t('tpl.effect.description')}
            value={effect.description}
            error={err('effect.description')}
            onChange={(e) => onChange({ ...effect, description: e.currentTarget.value })}
          />
          <NumberInput
            label={t('tpl.effect.plannedInDays')}
            min={0}
            w={220}
            value={effect.plannedInDays}
            onChange={(v) => onChange({ ...effect, plannedInDays: Number(v) || 0 })}
          />
          <AssigneeEditor
            label={t('tpl.effect.responsible')}
            value={effect.responsible}
            rootType={rootType}
            onChange={(responsible) => onChange({ ...effect, responsible })}
          />
        </>
      ) : null}
      {effect.type === 'createDossier' ? (
        <CreateDossierEditor effect={effect} sourcePaths={paths} onChange={onChange} error={err('effect')} />
      ) : null}
      {effect.type === 'setField' ? (
        <Group grow align="start" wrap="wrap" className="field-row">
          <Select
            label={t('tpl.effect.field')}
            value={effect.field || null}
            error={err('effect.field')}
            onChange={(v) => onChange({ ...effect, field: v ?? '', value: null })}
            data={(root?.fields ?? [])
              .filter((f) => f.kind !== 'status')
              .map((f) => ({ value: f.key, label: label(f.label) }))}
          />
          <ValueInput
            label={t('tpl.effect.value')}
            field={root?.fields.find((f) => f.key === effect.field)}
            owner={root}
            value={effect.value}
            onChange={(value) => onChange({ ...effect, value })}
          />
        </Group>
      ) : null}
      {effect.type === 'setStatus' ? (
        <Select
          label={t('tpl.effect.status')}
          value={effect.status || null}
          error={err('effect.status')}
          onChange={(v) => onChange({ ...effect, status: v ?? '' })}
          data={(root?.statuses ?? []).map((s) => ({ value: s.code, label: label(s.label) }))}
        />
      ) : null}
      {effect.type === 'webhook' ? (
        <>
          <TextInput
            label={t('tpl.effect.url')}
            type="url"
            value={effect.url}
            error={err('effect.url')}
            onChange={(e) => onChange({ ...effect, url: e.currentTarget.value })}
          />
          <TextInput
            label={t('tpl.effect.secret')}
            description={t('tpl.effect.secret.help')}
            value={effect.secret ?? ''}
            onChange={(e) => onChange({ ...effect, secret: e.currentTarget.value || undefined })}
          />
        </>
      ) : null}
      <Text size="sm" c="dimmed">
        {t(`tpl.effect.${effect.type}.help`)}
      </Text>
    </Stack>
  );
}

function CreateDossierEditor({
  effect,
  sourcePaths,
  onChange,
  error,
}: {
  effect: Extract<Effect, { type: 'createDossier' }>;
  sourcePaths: ReturnType<typeof useFieldPaths>;
  onChange: (next: Effect) => void;
  error?: string;
}) {
  const { t, label } = useI18n();
  const types = useDossierTypes();
  const target = types.data?.find((x) => x.key === effect.dossierType);
  return (
    <Stack gap="xs">
      <Select
        label={t('tpl.effect.dossierType')}
        value={effect.dossierType || null}
        error={error}
        onChange={(v) => onChange({ type: 'createDossier', dossierType: v ?? '', fields: {} })}
        data={(types.data ?? []).map((x) => ({ value: x.key, label: label(x.label) }))}
      />
      {(target?.fields ?? []).map((f) => {
        const mapping = effect.fields[f.key];
        const from = mapping && 'from' in mapping ? mapping.from : null;
        return (
          <Select
            key={f.key}
            label={t('tpl.effect.mapFrom', { field: label(f.label) })}
            clearable
            searchable
            value={from}
            onChange={(v) => {
              const fields = { ...effect.fields };
              if (v) fields[f.key] = { from: v };
              else delete fields[f.key];
              onChange({ ...effect, fields });
            }}
            data={pathOptions(sourcePaths)}
          />
        );
      })}
    </Stack>
  );
}

function AssigneeEditor({
  value,
  rootType,
  onChange,
  error,
  label: text,
}: {
  value: Assignee;
  rootType: string;
  onChange: (next: Assignee) => void;
  error?: string;
  label?: string;
}) {
  const { t } = useI18n();
  const paths = useFieldPaths(rootType);
  const users = usePeople('user');
  const teams = usePeople('team');
  return (
    <Stack gap="xs">
      <SegmentedControl
        aria-label={text ?? t('tpl.assignee')}
        value={value.type}
        onChange={(v) =>
          onChange(
            v === 'user'
              ? { type: 'user', userId: '' }
              : v === 'team'
                ? { type: 'team', teamId: '' }
                : v === 'field'
                  ? { type: 'field', path: nearest(pathOptions(paths, ['user', 'team']))[0]?.value ?? '' }
                  : { type: 'none' },
          )
        }
        data={(['none', 'field', 'user', 'team'] as const).map((k) => ({
          value: k,
          label: t(`tpl.assignee.${k}`),
        }))}
      />
      {value.type === 'field' ? (
        <Select
          label={t('tpl.assignee.fieldPick')}
          value={value.path || null}
          error={error}
          onChange={(v) => onChange({ type: 'field', path: v ?? '' })}
          data={pathOptions(paths, ['user', 'team'])}
        />
      ) : null}
      {value.type === 'user' ? (
        <PersonPicker
          kind="user"
          options={users}
          value={value.userId}
          error={error}
          onChange={(userId) => onChange({ type: 'user', userId })}
        />
      ) : null}
      {value.type === 'team' ? (
        <PersonPicker
          kind="team"
          options={teams}
          value={value.teamId}
          error={error}
          onChange={(teamId) => onChange({ type: 'team', teamId })}
        />
      ) : null}
    </Stack>
  );
}

/** A user or team by name; by id when this user may not list them. */
function PersonPicker({
  kind,
  options,
  value,
  error,
  onChange,
}: {
  kind: 'user' | 'team';
  options: { value: string; label: string }[] | null;
  value: string;
  error?: string;
  onChange: (id: string) => void;
}) {
  const { t } = useI18n();
  return options ? (
    <Select
      label={t(`tpl.assignee.${kind}`)}
      searchable
      value={value || null}
      error={error}
      onChange={(v) => onChange(v ?? '')}
      data={options}
    />
  ) : (
    <TextInput
      label={t(kind === 'user' ? 'tpl.assignee.userId' : 'tpl.assignee.teamId')}
      value={value}
      error={error}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

/** Per related dossier (fan-out): a dossier type with a reference to this one ("per deelnemer"). */
function FanOutEditor({
  value: d,
  onChange,
  error,
}: {
  value: Def;
  onChange: (next: Def['fanOut']) => void;
  error?: string;
}) {
  const { t, label } = useI18n();
  const types = useDossierTypes();
  const options = (types.data ?? []).flatMap((other) =>
    other.fields
      .filter((f) => f.kind === 'reference' && f.refType === d.dossierType)
      .map((f) => ({
        value: `${other.key}:${f.key}`,
        label: t('tpl.fanOut.option', {
          type: label(other.pluralLabel ?? other.label),
          field: label(f.label),
        }),
      })),
  );
  return (
    <Stack gap="xs">
      <Select
        label={t('tpl.fanOut.pick')}
        description={t('tpl.fanOut.help')}
        clearable
        value={d.fanOut ? `${d.fanOut.dossierType}:${d.fanOut.field}` : null}
        error={error}
        onChange={(v) => {
          const [dossierType, field] = (v ?? '').split(':');
          onChange(v && dossierType && field ? { dossierType, field } : undefined);
        }}
        data={options}
        placeholder={t('tpl.fanOut.none')}
      />
    </Stack>
  );
}

/** Linked categories (Coachview: training types) by name: values of the type's category field. */
function Categories({
  type,
  value,
  onChange,
  error,
}: {
  type: DossierType;
  value: string[];
  onChange: (next: string[]) => void;
  error?: string;
}) {
  const i18n = useI18n();
  const field = type.fields.find((f) => f.key === type.categoryField);
  const refOptions = useDossierOptions(field?.kind === 'reference' ? field.refType : undefined);
  const data =
    field?.kind === 'enum'
      ? (field.options ?? []).map((o) => ({ value: o.code, label: i18n.label(o.label) }))
      : refOptions;
  return (
    <MultiSelect
      label={i18n.t('tpl.categories.pick', { field: i18n.label(field?.label, type.categoryField) })}
      description={i18n.t('tpl.categories.help')}
      searchable
      value={value}
      error={error}
      onChange={onChange}
      data={data}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
