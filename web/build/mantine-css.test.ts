import { themeCss } from './mantine-css';
import { theme } from '../src/app/theme';

describe('themeCss', () => {
  it('carries the theme the app uses: shade 8 filled colours and the breakpoint classes', () => {
    const css = themeCss(theme);
    expect(css).toContain('--mantine-color-blue-filled: var(--mantine-color-blue-8)');
    expect(css).toContain('.mantine-hidden-from-sm');
    expect(css).toContain('.mantine-visible-from-xs');
  });
});
