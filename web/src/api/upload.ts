// Uploads go through XMLHttpRequest, the one browser API that reports
// upload progress; the path and the answer's type still come from the
// generated schema.
import { newIdempotencyKey, type Schemas } from './client';
import { ApiError } from './problem';
import { session } from './session';

export type Attachment = Schemas['AttachmentView'];

const uploadPath = '/api/upload' satisfies keyof import('./schema').paths;

export async function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<Attachment> {
  const token = await session.fresh();
  const key = newIdempotencyKey();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', uploadPath);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Idempotency-Key', key);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new TypeError('network'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Attachment);
      else reject(new ApiError(xhr.status, body, xhr.getResponseHeader('X-Request-ID') ?? undefined));
    };
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}
