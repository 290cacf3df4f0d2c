// Values the global setup (tests/global-setup.ts) provides to every suite.
declare module 'vitest' {
  export interface ProvidedContext {
    PIC_URL: string;
    PIC_IS_EMULATOR: boolean;
    /** The shared dapp world's state directory (`support/world-template.ts`); empty when there is none. */
    WORLD_TEMPLATE: string;
  }
}
export {};
