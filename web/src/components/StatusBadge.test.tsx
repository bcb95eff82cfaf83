import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { StatusBadge } from './StatusBadge';
import { ErrorAlert } from './ErrorAlert';
import { ApiError } from '../api/problem';

const wrap = (ui: React.ReactNode) => render(<MantineProvider withCssVariables={false}>{ui}</MantineProvider>);

describe('StatusBadge', () => {
  it('says the status in words, not only in colour', () => {
    wrap(<StatusBadge value="Under Investigation" />);
    expect(screen.getByText('Under investigation')).toBeInTheDocument();
  });
});

describe('ErrorAlert', () => {
  it('shows the problem message and its request id', () => {
    wrap(<ErrorAlert error={new ApiError(409, { detail: 'the incident cannot close while action CA-1 is open', requestId: 'abc-7' })} />);
    expect(screen.getByRole('alert')).toHaveTextContent('the incident cannot close while action CA-1 is open');
    expect(screen.getByRole('alert')).toHaveTextContent('Request id: abc-7');
  });
  it('explains a network failure', () => {
    wrap(<ErrorAlert error={new TypeError('Failed to fetch')} />);
    expect(screen.getByRole('alert')).toHaveTextContent('could not be reached');
  });
});
