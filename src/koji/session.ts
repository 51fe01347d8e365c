// The seam between Koji's protocol (XML-RPC dialect, sessions, uploads: `client.ts`, owned by the
// protocol work) and Strata's Koji backend (setup, submission, watching, results, content
// generator import). Both sides code against these types only, so either can be replaced by a
// fake in tests.

/** A value in Koji's XML-RPC dialect: `nil`, `i8` (bigint beyond 32 bits), base64 (Uint8Array), dateTime. */
export type KojiValue = null | boolean | number | bigint | string | Uint8Array | Date | readonly KojiValue[] | { readonly [key: string]: KojiValue };

/** One call; `kwargs` travel as Koji's `__starstar` struct appended to the positional arguments. */
export interface KojiCall {
  readonly method: string;
  readonly args?: readonly KojiValue[];
  readonly kwargs?: Readonly<Record<string, KojiValue>>;
}

/** A fault as the hub sends it; `faultClass` is Koji's exception class name (GenericError, ActionNotAllowed, …) when known. */
export interface KojiFault {
  readonly faultCode: number;
  readonly faultString: string;
  readonly faultClass?: string;
}

export type KojiCallResult = { readonly ok: true; readonly value: KojiValue } | { readonly ok: false; readonly fault: KojiFault };

export interface KojiCallOptions {
  /**
   * A call that changes hub state (build, createTag, upload, CGImport, …). Write calls are
   * serialised per session and are never repeated after a transport error whose outcome is
   * unknown; read calls may be retried.
   */
  readonly write?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * A logged-in (or anonymous) session with one hub. `call` rejects with a `StrataError` whose code
 * maps Koji's fault class (KOJI_FAULT_*), or a transport code (hub unreachable, not XML-RPC).
 */
export interface KojiSession {
  readonly hubUrl: string;
  /** The user the session belongs to (`getLoggedInUser`), undefined when anonymous. */
  readonly user?: { readonly id: number; readonly name: string };
  call(method: string, args?: readonly KojiValue[], kwargs?: Readonly<Record<string, KojiValue>>, opts?: KojiCallOptions): Promise<KojiValue>;
  /** Koji's `multiCall`: one request, one result or fault per call, in order. */
  multiCall(calls: readonly KojiCall[], opts?: KojiCallOptions): Promise<KojiCallResult[]>;
  /**
   * Uploads a local file to the hub's work area (`rawUpload` in chunks, adler32 per chunk,
   * `checkUpload` at the end); resolves to the server path (`serverDir/name`) to pass to `build`
   * or `CGImport`.
   */
  upload(localPath: string, serverDir: string, opts?: { readonly name?: string; readonly chunkSize?: number; readonly signal?: AbortSignal }): Promise<string>;
  logout(): Promise<void>;
}

/** How a session is opened; validated `[koji]` configuration turns into one of these. */
export type KojiAuth =
  | { readonly type: 'none' }
  | { readonly type: 'password'; readonly user: string; readonly password: string }
  | { readonly type: 'cert'; readonly certFile: string; readonly keyFile?: string; readonly caFile?: string };

export interface KojiConnector {
  open(hubUrl: string, auth: KojiAuth, opts?: { readonly signal?: AbortSignal }): Promise<KojiSession>;
}
