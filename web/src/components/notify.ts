import { notifications } from '@mantine/notifications';
import { i18n } from '../i18n';

/** notify shows a short message; its close button is named for screen readers. */
export function notify(message: string, color: 'green' | 'blue' | 'red' = 'green') {
  notifications.show({ message, color, closeButtonProps: { 'aria-label': i18n.t('common.close') } });
}
