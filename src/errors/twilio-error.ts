/** An error a client sees, in Twilio's JSON shape: `{code, message, more_info, status}`. */
import { ERROR_CATALOG, moreInfo, type ErrorCode } from './catalog.js';

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export class TwilioError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message?: string, status?: number) {
    super(message ?? ERROR_CATALOG[code].title);
    this.name = 'TwilioError';
    this.code = code;
    this.status = status ?? ERROR_CATALOG[code].status;
  }

  toJSON(): TwilioErrorBody {
    return { code: this.code, message: this.message, more_info: moreInfo(this.code), status: this.status };
  }
}

export function notFound(path: string): TwilioError {
  return new TwilioError(20404, `The requested resource ${path} was not found`);
}
