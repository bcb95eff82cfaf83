import { safeRedirect } from './auth/SignIn';
import { moveFor, toQuery as incidentQuery } from './incidents/queries';
import { stepFor, toQuery as actionQuery } from './actions/queries';
import { navItems, visibleNav } from '../app/shell/nav';

describe('safeRedirect', () => {
  it.each([
    ['/incidents?status=Reported', '/incidents?status=Reported'],
    [undefined, '/'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
  ])('%s → %s', (target, want) => {
    expect(safeRedirect(target)).toBe(want);
  });
});

describe('lifecycle buttons', () => {
  it('names the incident move for each allowed state', () => {
    expect(moveFor('Reported', 'Under Investigation')).toBe('investigate');
    expect(moveFor('Closed', 'Under Investigation')).toBe('reopen');
    expect(moveFor('Under Investigation', 'Action Required')).toBe('require-action');
    expect(moveFor('Action Required', 'Closed')).toBe('close');
    expect(moveFor('Reported', 'Nowhere')).toBeUndefined();
  });
  it('names the action step for each allowed state', () => {
    expect(stepFor('Open', 'In Progress')).toBe('start');
    expect(stepFor('Completed', 'In Progress')).toBe('reject');
    expect(stepFor('In Progress', 'Completed')).toBe('complete');
    expect(stepFor('Completed', 'Verified')).toBe('verify');
  });
});

describe('list filters from the URL', () => {
  it('keeps only values the API accepts', () => {
    expect(incidentQuery({ status: 'Reported', type: 'Bogus', severity: 'High', q: 'pump', overdue: 'yes' })).toEqual({ status: 'Reported', severity: 'High', q: 'pump' });
    expect(actionQuery({ mine: 'true', status: 'Done', priority: 'Critical', escalated: 'true' })).toEqual({ mine: 'true', priority: 'Critical', escalated: 'true' });
  });
});

describe('navigation', () => {
  it('shows only what the permissions allow', () => {
    const only = (perms: string[]) => visibleNav(navItems, (p) => perms.includes(p)).map((i) => i.to);
    expect(only([])).toEqual(['/']);
    expect(only(['incidents:read'])).toEqual(['/', '/incidents']);
    expect(only(['incidents:read', 'actions:read'])).toEqual(['/', '/incidents', '/actions']);
    expect(only(['stations:read', 'users:read'])).toEqual(['/', '/stations']);
  });
});
