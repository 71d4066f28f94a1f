/** The routes of the application, and what shows before a session exists. */
import { Center, Loader } from '@mantine/core';
import { Redirect, Route, Switch, useSearch } from 'wouter';
import { ErrorAlert } from './errors.js';
import { useI18n } from './i18n.js';
import { useMe } from './session.js';
import { Shell } from './shell.js';
import { ActionDetail, ActionsPage } from './screens/actions.js';
import { AdminPage } from './screens/admin.js';
import { EditDossierPage, NewDossierPage } from './screens/dossier-form.js';
import { DashboardPage } from './screens/dashboard.js';
import { DossierDetail, DossiersPage } from './screens/dossiers.js';
import { EmailTemplateEditor, EmailTemplatesPage } from './screens/email-templates.js';
import { LoginPage } from './screens/login.js';
import { MailMessage, MailPage, OutboxMessagePage } from './screens/mail.js';
import { MySettingsPage } from './screens/my-settings.js';
import { ResetPasswordPage } from './screens/reset-password.js';
import { ProcessMapPage } from './screens/process-map.js';
import { TemplateEditor, TemplatesPage } from './screens/templates.js';
import { WorkflowsPage } from './screens/workflows.js';
import { NotFound } from './ui.js';

export function App() {
  const { t } = useI18n();
  const search = useSearch();
  const me = useMe();
  const token = new URLSearchParams(search).get('token');
  return (
    <Switch>
      <Route path="/reset-password">
        {token ? <ResetPasswordPage token={token} /> : <Redirect to="/login" />}
      </Route>
      <Route>
        {me.isPending ? (
          <Center h="100vh" role="status">
            <Loader aria-label={t('loading')} />
          </Center>
        ) : me.error ? (
          <Center h="100vh" p="md">
            <ErrorAlert error={me.error} />
          </Center>
        ) : me.data ? (
          <Shell me={me.data}>
            <Switch>
              <Route path="/" component={DashboardPage} />
              <Route path="/login">
                <Redirect to="/" replace />
              </Route>
              <Route path="/actions" component={ActionsPage} />
              <Route path="/actions/:id">{(p) => <ActionDetail id={p.id} />}</Route>
              <Route path="/workflows" component={WorkflowsPage} />
              <Route path="/workflows/:view" component={WorkflowsPage} />
              <Route path="/templates" component={TemplatesPage} />
              <Route path="/templates/new">{() => <TemplateEditor id={null} />}</Route>
              <Route path="/templates/:id">{(p) => <TemplateEditor id={p.id} />}</Route>
              <Route path="/processes">{() => <ProcessMapPage process={null} />}</Route>
              <Route path="/processes/:process">{(p) => <ProcessMapPage process={p.process} />}</Route>
              <Route path="/email-templates" component={EmailTemplatesPage} />
              <Route path="/email-templates/new">{() => <EmailTemplateEditor id={null} />}</Route>
              <Route path="/email-templates/:id">{(p) => <EmailTemplateEditor id={p.id} />}</Route>
              <Route path="/dossiers">{() => <DossiersPage type={null} />}</Route>
              <Route path="/dossiers/:type">{(p) => <DossiersPage type={p.type} />}</Route>
              <Route path="/dossiers/:type/new">{(p) => <NewDossierPage type={p.type} />}</Route>
              <Route path="/dossiers/:type/:id/edit">
                {(p) => <EditDossierPage type={p.type} id={p.id} />}
              </Route>
              <Route path="/dossiers/:type/:id">{(p) => <DossierDetail type={p.type} id={p.id} />}</Route>
              <Route path="/mail">{() => <MailPage tab="outbox" />}</Route>
              <Route path="/mail/mailboxes">{() => <MailPage tab="mailboxes" />}</Route>
              <Route path="/mail/viewer">{() => <MailPage tab="viewer" />}</Route>
              <Route path="/mail/viewer/:id">{(p) => <MailMessage id={p.id} />}</Route>
              <Route path="/mail/outbox/:id">{(p) => <OutboxMessagePage id={p.id} />}</Route>
              <Route path="/settings" component={MySettingsPage} />
              <Route path="/admin" component={AdminPage} />
              <Route path="/admin/:view" component={AdminPage} />
              <Route component={NotFound} />
            </Switch>
          </Shell>
        ) : (
          <LoginPage />
        )}
      </Route>
    </Switch>
  );
}
