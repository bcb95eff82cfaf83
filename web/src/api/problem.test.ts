import { ApiError, fieldErrorMap } from './problem';
import { readCookie } from './cookies';

describe('ApiError', () => {
  it('carries the problem document', () => {
    const e = new ApiError(
      400,
      { title: 'Bad Request', detail: 'validation failed', code: 'VALIDATION_FAILED', requestId: 'r-1', errors: [{ field: 'body.stationId', message: 'required' }] },
      'header-id',
    );
    expect(e.message).toBe('validation failed');
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.requestId).toBe('r-1');
    expect(fieldErrorMap(e)).toEqual({ stationId: 'required' });
  });

  it('falls back to the title, the header request id and UNKNOWN', () => {
    const e = new ApiError(502, { title: 'Bad Gateway' }, 'header-id');
    expect(e.message).toBe('Bad Gateway');
    expect(e.requestId).toBe('header-id');
    expect(e.code).toBe('UNKNOWN');
    expect(new ApiError(500, 'not json').message).toBe('HTTP 500');
  });

  it('knows a stale write', () => {
    expect(new ApiError(412, { code: 'STALE_VERSION' }).isStale).toBe(true);
    expect(new ApiError(409, { code: 'INVALID_TRANSITION' }).isStale).toBe(false);
  });

  it('maps nested field errors to their form field', () => {
    const e = new ApiError(400, { errors: [{ field: 'investigation.rootCauses[1]', message: 'one of People, Process' }, { field: 'people[0].name', message: 'required' }] });
    expect(fieldErrorMap(e)).toMatchObject({ rootCauses: 'one of People, Process', 'people[0].name': 'required' });
    expect(fieldErrorMap(new Error('x'))).toEqual({});
  });
});

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('hse_csrf', 'a=1; hse_csrf=abc%3D; b=2')).toBe('abc=');
    expect(readCookie('hse_csrf', 'a=1')).toBeUndefined();
    expect(readCookie('hse_csrf', 'xhse_csrf=1')).toBeUndefined();
  });
});
