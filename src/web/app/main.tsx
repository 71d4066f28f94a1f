/**
 * Entry point of the browser UI: React 19 with Mantine (components, forms, dates, notifications),
 * TanStack Query (data with caching and invalidation) and wouter (routes). Shows the reset-password
 * page for a reset link, the log-in screen without a session, and the application with one.
 */
import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@mantine/notifications/styles.css';
import './app.css';
import { createTheme, MantineProvider, type MantineColorsTuple } from '@mantine/core';
import { DatesProvider } from '@mantine/dates';
import { Notifications } from '@mantine/notifications';
import 'dayjs/locale/en-gb';
import 'dayjs/locale/nl';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, StrictMode, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, whenUnauthenticated } from './api.js';
import { App } from './app.js';
import { lang, useI18n } from './i18n.js';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A refused or missing thing does not get better by asking again.
      retry: (count, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
    },
  },
});

whenUnauthenticated(() => {
  if (queryClient.getQueryData(['me'])) queryClient.setQueryData(['me'], null);
});

/** One accent colour, dark enough for text on white and white on it (WCAG AA, checked by axe). */
const brand: MantineColorsTuple = [
  '#e3f2ec',
  '#c5e6d8',
  '#9fd4bd',
  '#6fbf9d',
  '#2f8a68',
  '#0b6e4f',
  '#0b6e4f',
  '#08553d',
  '#08553d',
  '#06402e',
];

/** The theme; close buttons of dialogs and notifications are named in the user's language. */
const themeFor = (close: string) =>
  createTheme({
    colors: { brand },
    primaryColor: 'brand',
    primaryShade: 6,
    components: {
      Modal: { defaultProps: { closeButtonProps: { 'aria-label': close } } },
      Notification: { defaultProps: { closeButtonProps: { 'aria-label': close } } },
    },
    fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif",
    defaultRadius: 'md',
  });

/** Date pickers in the UI's language (Dutch or British English month and day names), weeks from Monday. */
const DATES_LOCALE = { nl: 'nl', en: 'en-gb' } as const;

function Themed({ children }: { children: ReactNode }) {
  const { t, lang } = useI18n();
  const theme = useMemo(() => themeFor(t('close')), [t]);
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <DatesProvider settings={{ locale: DATES_LOCALE[lang], firstDayOfWeek: 1 }}>{children}</DatesProvider>
    </MantineProvider>
  );
}

document.documentElement.lang = lang();
createRoot(document.getElementById('app')!).render(
  <StrictMode>
    <Themed>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </Themed>
  </StrictMode>,
);
