// Mantine puts its theme's CSS variables in an inline <style> element at
// run time. Our Content-Security-Policy forbids inline styles, so the same
// CSS is generated here at build time from the same theme and shipped as a
// file; MantineProvider runs with withCssVariables and withGlobalClasses off.
import {
  DEFAULT_THEME,
  convertCssVariables,
  defaultCssVariablesResolver,
  mergeMantineTheme,
  px,
  em,
  type MantineThemeOverride,
} from '@mantine/core';
import type { Plugin } from 'vite';

const id = 'virtual:mantine-theme.css';
const resolved = '\0' + id + '';

/** themeCss is the stylesheet MantineProvider would have injected. */
export function themeCss(override: MantineThemeOverride): string {
  const theme = mergeMantineTheme(DEFAULT_THEME, override);
  const vars = convertCssVariables(defaultCssVariablesResolver(theme));
  const scheme = ':root{--mantine-color-scheme: light;}';
  let classes = '';
  for (const [name, value] of Object.entries(theme.breakpoints)) {
    const isPx = value.includes('px');
    const n = px(value) as number;
    classes +=
      `@media (max-width: ${isPx ? `${n - 0.1}px` : em(n - 0.1)}) {.mantine-visible-from-${name} {display: none !important;}}` +
      `@media (min-width: ${isPx ? `${n}px` : em(n)}) {.mantine-hidden-from-${name} {display: none !important;}}`;
  }
  return `${vars}\n${scheme}\n${classes}\n`;
}

/** mantineThemeCss serves themeCss as a virtual stylesheet module. */
export function mantineThemeCss(override: MantineThemeOverride): Plugin {
  return {
    name: 'hse-mantine-theme-css',
    resolveId: (source) => (source === id ? resolved + '.css' : null),
    load: (source) => (source === resolved + '.css' ? themeCss(override) : null),
  };
}
