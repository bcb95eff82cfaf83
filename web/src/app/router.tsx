import { createRootRoute, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from '@tanstack/react-router';
import { onSessionLost } from '../api/client';
import { session } from '../api/session';
import { NotFound } from '../components/NotFound';
import { Shell } from './shell/Shell';
import { PublicLayout } from '../features/auth/PublicLayout';
import { SignIn } from '../features/auth/SignIn';
import { queryClient } from './queryClient';

const root = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

// Public pages: the exact paths the server's e-mails link to.
const publicLayout = createRoute({ getParentRoute: () => root, id: 'public', component: PublicLayout });
const token = (s: Record<string, unknown>): { token?: string } => (typeof s.token === 'string' ? { token: s.token } : {});

const login = createRoute({
  getParentRoute: () => publicLayout,
  path: '/login',
  validateSearch: (s: Record<string, unknown>): { redirect?: string; reason?: 'session' } => ({
    ...(typeof s.redirect === 'string' ? { redirect: s.redirect } : {}),
    ...(s.reason === 'session' ? { reason: 'session' as const } : {}),
  }),
  component: SignIn,
});
const signup = createRoute({
  getParentRoute: () => publicLayout,
  path: '/signup',
  component: lazyRouteComponent(() => import('../features/auth/SignUp'), 'SignUp'),
});
const verify = createRoute({
  getParentRoute: () => publicLayout,
  path: '/verify-email',
  validateSearch: token,
  component: lazyRouteComponent(() => import('../features/auth/VerifyEmail'), 'VerifyEmail'),
});
const resend = createRoute({
  getParentRoute: () => publicLayout,
  path: '/resend-verification',
  component: lazyRouteComponent(() => import('../features/auth/ResendVerification'), 'ResendVerification'),
});
const forgot = createRoute({
  getParentRoute: () => publicLayout,
  path: '/forgot-password',
  component: lazyRouteComponent(() => import('../features/auth/ForgotPassword'), 'ForgotPassword'),
});
const reset = createRoute({
  getParentRoute: () => publicLayout,
  path: '/reset-password',
  validateSearch: token,
  component: lazyRouteComponent(() => import('../features/auth/ResetPassword'), 'ResetPassword'),
});
const accept = createRoute({
  getParentRoute: () => publicLayout,
  path: '/accept-invitation',
  validateSearch: token,
  component: lazyRouteComponent(() => import('../features/auth/AcceptInvitation'), 'AcceptInvitation'),
});

// Signed-in pages: without a session (after a silent refresh attempt) the
// user goes to sign in, and the page they wanted is kept in the URL.
const app = createRoute({
  getParentRoute: () => root,
  id: 'app',
  component: Shell,
  beforeLoad: async ({ location }) => {
    await session.fresh();
    if (!session.accessToken) {
      throw redirect({ to: '/login', search: { redirect: location.href } });
    }
  },
});
const home = createRoute({
  getParentRoute: () => app,
  path: '/',
  component: lazyRouteComponent(() => import('../features/home/HomePage'), 'HomePage'),
});

/** pick keeps the named search parameters that are non-empty strings. */
function pick<K extends string>(s: Record<string, unknown>, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = s[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  return out;
}
const incidentSearch = (s: Record<string, unknown>) => pick(s, ['status', 'type', 'severity', 'stationId', 'q', 'overdue'] as const);
const incidents = createRoute({
  getParentRoute: () => app,
  path: '/incidents',
  validateSearch: incidentSearch,
  component: lazyRouteComponent(() => import('../features/incidents/IncidentsPage'), 'IncidentsPage'),
});
const newIncident = createRoute({
  getParentRoute: () => app,
  path: '/incidents/new',
  component: lazyRouteComponent(() => import('../features/incidents/ReportIncidentPage'), 'ReportIncidentPage'),
});
const incident = createRoute({
  getParentRoute: () => app,
  path: '/incidents/$id',
  component: lazyRouteComponent(() => import('../features/incidents/IncidentPage'), 'IncidentPage'),
});

const actionSearch = (s: Record<string, unknown>) => pick(s, ['mine', 'status', 'priority', 'overdue', 'escalated', 'q'] as const);
const actions = createRoute({
  getParentRoute: () => app,
  path: '/actions',
  validateSearch: actionSearch,
  component: lazyRouteComponent(() => import('../features/actions/ActionsPage'), 'ActionsPage'),
});
const action = createRoute({
  getParentRoute: () => app,
  path: '/actions/$id',
  component: lazyRouteComponent(() => import('../features/actions/ActionPage'), 'ActionPage'),
});

const stationSearch = (s: Record<string, unknown>) => pick(s, ['q', 'region', 'riskCategory', 'active'] as const);
const stations = createRoute({
  getParentRoute: () => app,
  path: '/stations',
  validateSearch: stationSearch,
  component: lazyRouteComponent(() => import('../features/stations/StationsPage'), 'StationsPage'),
});

const changePassword = createRoute({
  getParentRoute: () => app,
  path: '/account/password',
  component: lazyRouteComponent(() => import('../features/account/ChangePasswordPage'), 'ChangePasswordPage'),
});

const routeTree = root.addChildren([
  publicLayout.addChildren([login, signup, verify, resend, forgot, reset, accept]),
  app.addChildren([home, incidents, newIncident, incident, actions, action, stations, changePassword]),
]);

export const router = createRouter({ routeTree, defaultPreload: 'intent', scrollRestoration: true });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}

// A session that cannot be renewed (revoked, signed out everywhere) lands
// on sign in, keeping the page the user was on.
onSessionLost(() => {
  queryClient.clear();
  const here = router.state.location.href;
  if (router.state.location.pathname !== '/login') {
    void router.navigate({ to: '/login', search: { redirect: here, reason: 'session' } });
  }
});
