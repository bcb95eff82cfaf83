import { IconAlertTriangle, IconBuildingWarehouse, IconChecklist, IconHome, IconListDetails, IconSettings, IconTool, IconUsers } from '@tabler/icons-react';

/** NavItem is one entry of the main navigation and the permission it needs. */
export interface NavItem {
  to: string;
  label: string; // i18n key
  icon: typeof IconHome;
  permission?: string;
}

// Areas not built yet stay out of the list until their pages exist, so
// nothing in the navigation leads nowhere.
export const navItems: NavItem[] = [
  { to: '/', label: 'shell.home', icon: IconHome },
  { to: '/incidents', label: 'shell.incidents', icon: IconAlertTriangle, permission: 'incidents:read' },
  { to: '/actions', label: 'shell.actions', icon: IconChecklist, permission: 'actions:read' },
  { to: '/stations', label: 'shell.stations', icon: IconBuildingWarehouse, permission: 'stations:read' },
];

/** Areas planned next, kept here so their icons are chosen once. */
export const laterItems: NavItem[] = [
  { to: '/contractors', label: 'shell.contractors', icon: IconTool, permission: 'contractors:read' },
  { to: '/people', label: 'shell.people', icon: IconUsers, permission: 'users:read' },
  { to: '/audit-log', label: 'shell.auditLog', icon: IconListDetails, permission: 'audit_log:read' },
  { to: '/settings', label: 'shell.settings', icon: IconSettings, permission: 'organization:update' },
];

/** visibleNav keeps the entries the member's permissions allow. */
export function visibleNav(items: NavItem[], can: (p: string) => boolean): NavItem[] {
  return items.filter((i) => !i.permission || can(i.permission));
}
