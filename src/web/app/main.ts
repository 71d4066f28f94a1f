/**
 * Entry point of the browser UI: asks who is logged in, then shows the log-in screen or the
 * application; re-renders everything when the language changes.
 */
import { api, setCsrfToken, whenUnauthenticated } from './api-client.js';
import type { Me } from './api-types.js';
import { h } from './dom.js';
import { lang, onLangChange, t } from './i18n.js';
import { renderLogin } from './login.js';
import { renderResetPassword } from './reset-password.js';
import { notFound, route, stop } from './router.js';
import { renderShell } from './shell.js';
import { renderActionDetail, renderActions } from './actions.js';
import { renderWorkflows } from './workflows.js';
import { renderTemplateDetail, renderTemplates, renderNewTemplate } from './templates.js';
import { renderDossierDetail, renderDossiers } from './dossiers.js';
import { renderMailMessage, renderMailViewer } from './mail-viewer.js';

route('/actions', renderActions);
route('/actions/:id', renderActionDetail);
route('/workflows', renderWorkflows);
route('/templates', renderTemplates);
route('/templates/new', renderNewTemplate);
route('/templates/:id', renderTemplateDetail);
route('/dossiers', renderDossiers);
route('/dossiers/:type', renderDossiers);
route('/dossiers/:type/:id', renderDossierDetail);
route('/mail', renderMailViewer);
route('/mail/:id', renderMailMessage);
notFound((outlet) => {
  outlet.append(h('h1', {}, t('notFound.title')), h('p', {}, t('error.notFound')));
});

const root = document.getElementById('app')!;
let me: Me | null = null;

function showApp(user: Me): void {
  me = user;
  if (location.pathname === '/login' || location.pathname === '/') history.replaceState(null, '', '/actions');
  document.title = t('app.title');
  renderShell(root, user, showLogin);
}

function showLogin(): void {
  me = null;
  stop();
  document.title = `${t('login.title')} – ${t('app.title')}`;
  renderLogin(root, showApp);
}

whenUnauthenticated(() => {
  if (me !== null) showLogin();
});

onLangChange(() => (me ? showApp(me) : showLogin()));

async function boot(): Promise<void> {
  document.documentElement.lang = lang();
  const resetToken = new URLSearchParams(location.search).get('token');
  if (location.pathname === '/reset-password' && resetToken) {
    document.title = `${t('reset.title')} – ${t('app.title')}`;
    renderResetPassword(root, resetToken, showLogin);
    return;
  }
  try {
    const user = await api<Me>('GET', '/api/auth/me');
    setCsrfToken(user.csrfToken);
    showApp(user);
  } catch {
    showLogin();
  }
}

void boot();
