// The one layer every user-visible string goes through. English only for
// now; another language is another catalogue with the same keys.
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import { en } from './en';

void i18next.use(initReactI18next).init({
  lng: 'en',
  fallbackLng: 'en',
  resources: { en: { translation: en } },
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
});

export const i18n = i18next;

/** useT is the translate function of the current language. */
export function useT() {
  return useTranslation().t;
}
