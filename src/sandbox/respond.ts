// Sends a CrmResponse: headers, status, then JSON (or a string body as is).

import type { Response } from 'express';
import type { CrmResponse } from './personality.ts';

export function sendCrmResponse(res: Response, answer: CrmResponse): void {
  if (answer.headers) res.set(answer.headers);
  res.status(answer.status);
  if (answer.body === undefined) res.end();
  else if (typeof answer.body === 'string') res.send(answer.body);
  else res.json(answer.body);
}
