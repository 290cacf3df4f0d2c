// Values the global setup (src/testing/global-setup.ts) provides to every suite.
declare module 'vitest' {
  export interface ProvidedContext {
    PIC_URL: string;
    PIC_IS_EMULATOR: boolean;
  }
}
export {};
