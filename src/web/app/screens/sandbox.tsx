/**
 * In sandbox mode: "Sandbox: klok staat op …" with controls that move the clock by a chosen amount
 * or to a chosen date and time, and what ran then ("3 acties uitgevoerd, …") with links.
 */
import { Alert, Anchor, Button, Group, NumberInput, Select, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api.js';
import { ErrorAlert } from '../errors.js';
import { fromZoned, toZoned, useFormats, useI18n } from '../i18n.js';
import { DateTimeField } from '../date-field.js';

interface Advanced {
  readonly now: string;
  readonly executed: number;
  readonly markedDue: number;
  readonly expired: number;
}

const UNITS = ['h', 'd', 'w'] as const;

export function SandboxBanner() {
  const { t } = useI18n();
  const f = useFormats();
  const client = useQueryClient();
  const state = useQuery({
    queryKey: ['sandbox'],
    queryFn: () => api<{ sandbox: boolean; now: string }>('GET', '/api/sandbox'),
  });
  const [amount, setAmount] = useState<number | string>(1);
  const [unit, setUnit] = useState<string>('d');
  const [target, setTarget] = useState<string | null>(null);
  const advance = useMutation({
    mutationFn: (duration: string) => api<Advanced>('POST', '/api/sandbox/clock/advance', { duration }),
    onSuccess: () => void client.invalidateQueries(),
  });
  if (!state.data?.sandbox) return null;
  const now = state.data.now;
  const toDate = () => {
    const iso = target ? fromZoned(target, f.timeZone) : null;
    const minutes = iso ? Math.ceil((Date.parse(iso) - Date.parse(now)) / 60_000) : 0;
    if (minutes > 0) advance.mutate(`${minutes}m`);
  };
  const r = advance.data;
  return (
    <Alert color="yellow" mb="md" role="region" aria-label="Sandbox" className="sandbox-banner">
      <Group gap="sm" wrap="wrap" align="end">
        <Text fw={700}>{t('sandbox.banner', { time: f.dateTime(now) })}</Text>
        <Button size="xs" variant="default" onClick={() => advance.mutate('1d')} loading={advance.isPending}>
          {t('sandbox.day')}
        </Button>
        <Button size="xs" variant="default" onClick={() => advance.mutate('1w')} loading={advance.isPending}>
          {t('sandbox.week')}
        </Button>
        <Group gap={4} align="end" wrap="nowrap">
          <NumberInput
            size="xs"
            w={80}
            min={1}
            max={3650}
            label={t('sandbox.amount')}
            value={amount}
            onChange={setAmount}
          />
          <Select
            size="xs"
            w={110}
            label={t('sandbox.unit')}
            value={unit}
            onChange={(v) => setUnit(v ?? 'd')}
            allowDeselect={false}
            data={UNITS.map((u) => ({ value: u, label: t(`sandbox.unit.${u}`) }))}
          />
          <Button
            size="xs"
            onClick={() => advance.mutate(`${Number(amount) || 1}${unit}`)}
            loading={advance.isPending}
          >
            {t('sandbox.forward')}
          </Button>
        </Group>
        <Group gap={4} align="end" wrap="nowrap">
          <DateTimeField
            size="xs"
            label={t('sandbox.toDate')}
            value={target}
            minDate={toZoned(now, f.timeZone).slice(0, 10)}
            onChange={setTarget}
          />
          <Button size="xs" onClick={toDate} disabled={!target} loading={advance.isPending}>
            {t('sandbox.go')}
          </Button>
        </Group>
      </Group>
      {r ? (
        <Text size="sm" mt="xs" role="status">
          {t('sandbox.done', { executed: r.executed, due: r.markedDue, expired: r.expired })}{' '}
          <Anchor component={Link} href="/actions?filter=all">
            {t('sandbox.seeActions')}
          </Anchor>{' '}
          ·{' '}
          <Anchor component={Link} href="/mail">
            {t('sandbox.seeMail')}
          </Anchor>
        </Text>
      ) : null}
      <ErrorAlert error={advance.error} />
    </Alert>
  );
}
