/**
 * The device module as most store tests see it: the microphone is granted, the settings page
 * cannot be opened, the screen lock is left alone. Test files use it with
 * `vi.mock('@/platform/device', () => import('@/store/__tests__/grantedDevice'))`; tests that
 * watch permission prompts or the screen lock keep their own stand-in.
 */
export const ensureMicrophonePermission = (): Promise<'granted'> => Promise.resolve('granted')
export const canOpenMicrophoneSettings = (): boolean => false
export const openMicrophoneSettings = (): void => undefined
export const keepScreenOn = (): void => undefined
