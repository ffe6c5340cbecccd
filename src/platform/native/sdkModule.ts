/**
 * The only import of `tccc-sdk-uniapp` in the app. When the package is not installed, the
 * build substitutes a stub (build/tcccSdkResolver.ts) whose `TcccWorkstation.sharedInstance()`
 * throws, so the App still builds and the native platform reports SDK_NOT_INSTALLED at run time.
 */
import * as TcccSdk from 'tccc-sdk-uniapp'
import type { TcccSdkModule } from './index'

export const tcccSdkModule: TcccSdkModule = TcccSdk
