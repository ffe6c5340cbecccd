/*
 * A fake TCCC Web SDK for development and tests (never shipped in a release).
 * The token backend serves it at /mock/tccc-sdk.js?token=<mock token> in mock mode, so the
 * H5 build with VITE_TCCC_PLATFORM=web runs end to end without Tencent Cloud.
 *
 * Plain browser script, no imports. Loading it (like the real SDK's one-time SdkURL) defines
 * `window.tccc` with the documented surface:
 *   tccc.on(event, fn) / tccc.off(event, fn) / tccc.events.<name>
 *   tccc.Call.startOutboundCall({ phoneNumber, phoneDesc?, uui?, callerPhoneNumber? }) -> { status, data: { sessionId, callerPhoneNumber, ... } }
 *     (state().sessions[i].callerPhoneNumber: the one given, else 02000000000)
 *   tccc.Call.startInternalCall({ calleeUserId }) -> { status: 'success' } (no session id, as documented);
 *     the session comes with `callOuted` { sessionId, type: 'internal', calleeUserId }; answerOutbound() answers it
 *   tccc.Call.accept | hungUp | muteMic | unmuteMic ({ sessionId }) -> { status: 'success' }
 *   tccc.Call.isMicMuted({ sessionId }) -> boolean (`000_*`: "isMicMuted(options): boolean"), or with
 *     setMicMutedShape('response') the `003_*` form `Promise<CommonSDKResponse>` = { status: 'success' }
 *     (no boolean in it), or 'response-data': { status: 'success', data: <boolean> }
 *   tccc.Call.sendDigits({ sessionId, dtmfText })
 *   tccc.Call.hold({ sessionId }) / unHold({ sessionId }) (state().sessions[i].held)
 *   tccc.Call.transfer({ sessionId, skillGroupId? | userId? }) -> 'transfer' event, then sessionEnded closeBy 'seat'
 *   tccc.Agent.online() / offline() / getStatus() / setStatus({ status })
 *   tccc.Devices.isBrowserSupported() / getMicrophones() / getSpeakers(); tccc.UI.hide() / show()
 * Failures reject with the documented CommonSDKResponse shape `{ status: 'error', errorMsg }`
 * (plus `code` only when injected with failNext(method, msg, code)).
 *
 * Token: the `token` query parameter of this script's URL (else `data-token` on the script
 * element) must be a mock token `sim.<base64url({sdkAppId, userId, exp})>.<sig>`, unexpired, and
 * match `data-userid` / `data-sdk-app-id` when the page sets them. An expired, malformed,
 * missing or mismatched token is NOT a load failure: the script loads, then `tokenExpired`
 * fires instead of `ready` (what the real SDK does when initialised with an expired token).
 *
 * Switches, as URL query parameters or, when the URL comes from the backend, as
 * `window.__tcccWebFakeOptions = { neverReady: true, ... }` set before the script loads (the
 * URL wins): `neverReady=1` (never emits ready nor tokenExpired), `readyDelay=<ms>` (default
 * 30), `browserSupported=0`, `autoAnswer=<ms>` (the far end answers outbound calls after ms).
 *
 * Loading the script again (re-initialisation with a fresh token, as the docs prescribe for
 * switching account or after tokenExpired) replaces `window.tccc` with a new instance; the old
 * one goes dead (no events, calls reject). Controls, the call log and settings survive.
 *
 * Test controls, `window.__tcccWebFake` (act on the current instance; return null when there
 * is nothing to act on):
 *   answerOutbound(), rejectOutbound(), remoteHangup()     far end (closeBy 'client')
 *   adminHangup(mainReason?, subReason?), timerHangup()    closeBy 'admin' / 'timer'
 *   incomingCall({ from, remark?, timeout? }) -> sessionId callIn (type 'phone')
 *   autoTransfer()                                         the ringing incoming call moves away
 *   autoAnswerMs(ms | null), expireToken()                 tokenExpired event after ready
 *   failNext(method, errorMsg?, code?)                     method: 'startOutboundCall', 'accept',
 *       'hungUp', 'muteMic', 'unmuteMic', 'isMicMuted', 'sendDigits', 'online', 'offline',
 *       'startInternalCall', 'hold', 'unHold', 'transfer', 'setStatus'
 *   ignoreNextMute()                                       next mute/unmute reports success, changes nothing
 *   setMicMutedShape('boolean' | 'response' | 'response-data')   what isMicMuted returns (see above)
 *   setBrowserSupported(bool), setPayloadShape('flat' | 'wrapped')   events as `{...}` or `{ data: {...} }`
 *   emitRaw(event, payload)                                deliver any event as is (sessions the fake does not track)
 *   log() -> [{ method: 'Call.startOutboundCall', args: [...] }, ...] (every SDK call, in order), clearLog()
 *   state() -> { loads, ready, tokenExpired, status, userId, sdkAppId, sessions, listenerCount }
 *   listenerCount(event?)
 */
;(function (window, document) {
  'use strict'

  /** What the customer sees when the app names no caller number (the app's default number). */
  var DEFAULT_CALLER_NUMBER = '02000000000'

  var EVENT_NAMES = [
    'ready',
    'tokenExpired',
    'callIn',
    'userAccessed',
    'autoTransfer',
    'sessionEnded',
    'sessionCompleted',
    'callOuted',
    'calloutAccepted',
    'transfer',
    'statusChanged',
    'asr',
  ]

  var shared =
    window.__tcccWebFakeShared ||
    (window.__tcccWebFakeShared = {
      log: [],
      loads: 0,
      payloadShape: 'flat',
      autoAnswerMs: null,
      browserSupported: null,
      failures: {},
      ignoreMute: false,
      micMutedShape: 'boolean',
      sequence: 0,
      current: null,
    })

  // ---- where we were loaded from --------------------------------------------------------
  var script = document.currentScript
  if (!script) {
    var candidates = document.querySelectorAll('script[data-token], script[src*="tccc"]')
    script = candidates[candidates.length - 1] || null
  }
  var dataset = (script && script.dataset) || {}
  var params
  try {
    params = new URL((script && script.src) || '', window.location.href).searchParams
  } catch {
    params = new URLSearchParams('')
  }

  /**
   * A switch from the script URL, else from `window.__tcccWebFakeOptions` (set by a test page
   * before the script loads, e.g. Playwright's addInitScript, when the URL comes from the backend).
   */
  var pageOptions = window.__tcccWebFakeOptions || {}
  function setting(name) {
    if (params.has(name)) return params.get(name)
    var value = pageOptions[name]
    if (value === undefined || value === null) return null
    if (value === true) return '1'
    if (value === false) return '0'
    return String(value)
  }

  function base64UrlJson(text) {
    try {
      var b64 = text.replace(/-/g, '+').replace(/_/g, '/')
      while (b64.length % 4) b64 += '='
      var binary = window.atob(b64)
      var escaped = ''
      for (var i = 0; i < binary.length; i++) escaped += '%' + ('0' + binary.charCodeAt(i).toString(16)).slice(-2)
      return JSON.parse(decodeURIComponent(escaped))
    } catch {
      return null
    }
  }

  /** The claims when the token is usable, else null. */
  function checkToken() {
    var urlToken = params.get('token')
    var token = urlToken || dataset.token || ''
    if (urlToken && dataset.token && dataset.token !== urlToken) return null
    var parts = token.split('.')
    if (parts.length !== 3 || parts[0] !== 'sim' || !parts[1] || !parts[2]) return null
    var claims = base64UrlJson(parts[1])
    if (!claims || typeof claims.userId !== 'string' || typeof claims.sdkAppId !== 'number' || typeof claims.exp !== 'number') return null
    if (claims.exp * 1000 <= Date.now()) return null
    if (dataset.userid && dataset.userid !== claims.userId) return null
    if (dataset.sdkAppId && Number(dataset.sdkAppId) !== claims.sdkAppId) return null
    return claims
  }

  // ---- one SDK instance ------------------------------------------------------------------
  var previous = shared.current
  if (previous) previous.kill()

  shared.loads += 1
  var claims = checkToken()
  var listeners = {}
  var sessions = {}
  var dead = false
  var inst = {
    ready: false,
    tokenExpired: false,
    status: 'offline',
    userId: claims ? claims.userId : null,
    sdkAppId: claims ? claims.sdkAppId : null,
    sessions: sessions,
    kill: function () {
      dead = true
      listeners = {}
    },
  }
  shared.current = inst

  function record(method, args) {
    shared.log.push({ method: method, args: JSON.parse(JSON.stringify(args)) })
  }

  function emit(name, payload) {
    if (dead) return
    var body = shared.payloadShape === 'wrapped' ? { data: payload } : payload
    var fns = (listeners[name] || []).slice()
    for (var i = 0; i < fns.length; i++) {
      try {
        fns[i](body)
      } catch (e) {
        console.error('[fake tccc] listener for ' + name + ' threw', e)
      }
    }
  }

  /** Events caused by an API call come a moment later, like a server round trip. */
  function emitSoon(name, payload) {
    window.setTimeout(function () {
      emit(name, payload)
    }, 0)
  }

  function ok(data) {
    var response = { status: 'success' }
    if (data !== undefined) response.data = data
    return Promise.resolve(response)
  }

  function fail(errorMsg, code) {
    var response = { status: 'error', errorMsg: errorMsg }
    if (typeof code === 'number') response.code = code
    return Promise.reject(response)
  }

  /** Common gate: records the call, then the injected failure or the SDK state decide. */
  function gate(namespace, method, args) {
    record(namespace + '.' + method, args)
    if (dead) return fail('SDK instance was re-initialised')
    var injected = shared.failures[method]
    if (injected && injected.length) {
      var f = injected.shift()
      return fail(f.errorMsg, f.code)
    }
    if (inst.tokenExpired) return fail('token expired')
    if (!inst.ready) return fail('SDK not ready')
    return null
  }

  function session(options) {
    var id = options && options.sessionId
    return (typeof id === 'string' && sessions[id]) || null
  }

  function endSession(s, closeBy, extra, soon) {
    if (!sessions[s.sessionId]) return
    delete sessions[s.sessionId]
    var payload = { sessionId: s.sessionId, type: 'phone', duration: s.answeredAt ? (Date.now() - s.answeredAt) / 1000 : 0, closeBy: closeBy }
    if (extra) for (var k in extra) if (extra[k] !== undefined) payload[k] = extra[k]
    if (soon) emitSoon('sessionEnded', payload)
    else emit('sessionEnded', payload)
  }

  function newSessionId() {
    shared.sequence += 1
    return 'fake-' + shared.sequence + '-' + Math.random().toString(16).slice(2, 10)
  }

  function answerOutboundSession(s) {
    if (!s || s.direction !== 'out' || s.state !== 'ringing' || !sessions[s.sessionId]) return null
    s.state = 'active'
    s.answeredAt = Date.now()
    emit('calloutAccepted', { sessionId: s.sessionId })
    return s.sessionId
  }

  var events = {}
  for (var i = 0; i < EVENT_NAMES.length; i++) events[EVENT_NAMES[i]] = EVENT_NAMES[i]

  var tccc = {
    version: 'fake-web-1',
    events: events,
    on: function (name, fn) {
      if (dead || typeof fn !== 'function') return
      ;(listeners[name] = listeners[name] || []).push(fn)
    },
    off: function (name, fn) {
      var fns = listeners[name]
      if (!fns) return
      var at = fns.indexOf(fn)
      if (at >= 0) fns.splice(at, 1)
    },
    Call: {
      startOutboundCall: function (options) {
        var blocked = gate('Call', 'startOutboundCall', [options])
        if (blocked) return blocked
        var phoneNumber = options && options.phoneNumber
        if (typeof phoneNumber !== 'string' || !/^\+?[0-9]{3,20}$/.test(phoneNumber)) return fail('invalid phoneNumber')
        if (inst.status === 'offline') return fail('agent is offline')
        for (var id in sessions) if (sessions[id]) return fail('a session is in progress')
        var s = {
          sessionId: newSessionId(),
          direction: 'out',
          peer: phoneNumber,
          remark: options.phoneDesc,
          uui: options.uui,
          state: 'ringing',
          muted: false,
          dtmf: '',
          answeredAt: 0,
        }
        sessions[s.sessionId] = s
        if (options.callerPhoneNumber !== undefined && (typeof options.callerPhoneNumber !== 'string' || !/^\+?[0-9]{3,20}$/.test(options.callerPhoneNumber))) {
          return fail('invalid callerPhoneNumber')
        }
        s.callerPhoneNumber = options.callerPhoneNumber || DEFAULT_CALLER_NUMBER
        var info = { sessionId: s.sessionId, calleePhoneNumber: phoneNumber, callerPhoneNumber: s.callerPhoneNumber, serverType: 'staffSeat' }
        if (options.phoneDesc) info.remark = options.phoneDesc
        emitSoon('callOuted', info)
        if (typeof shared.autoAnswerMs === 'number') {
          window.setTimeout(function () {
            answerOutboundSession(s)
          }, shared.autoAnswerMs)
        }
        return ok(info)
      },
      // Documented as Promise<CommonSDKResponse>: no session id in the answer, only `callOuted`.
      startInternalCall: function (options) {
        var blocked = gate('Call', 'startInternalCall', [options])
        if (blocked) return blocked
        var callee = options && options.calleeUserId
        if (typeof callee !== 'string' || !callee) return fail('invalid calleeUserId')
        if (callee === inst.userId) return fail('cannot call your own seat')
        if (inst.status === 'offline') return fail('agent is offline')
        for (var id in sessions) if (sessions[id]) return fail('a session is in progress')
        var s = { sessionId: newSessionId(), direction: 'out', type: 'internal', peer: callee, state: 'ringing', muted: false, dtmf: '', answeredAt: 0 }
        sessions[s.sessionId] = s
        emitSoon('callOuted', { sessionId: s.sessionId, type: 'internal', calleeUserId: callee, serverType: 'staffSeat' })
        return ok()
      },
      accept: function (options) {
        var blocked = gate('Call', 'accept', [options])
        if (blocked) return blocked
        var s = session(options)
        if (!s || s.direction !== 'in' || s.state !== 'ringing') return fail('no ringing session ' + (options && options.sessionId))
        s.state = 'active'
        s.answeredAt = Date.now()
        emitSoon('userAccessed', { sessionId: s.sessionId })
        return ok()
      },
      hungUp: function (options) {
        var blocked = gate('Call', 'hungUp', [options])
        if (blocked) return blocked
        var s = session(options)
        if (!s) return fail('no session ' + (options && options.sessionId))
        endSession(s, 'seat', null, true)
        return ok()
      },
      muteMic: function (options) {
        return setMute('muteMic', options, true)
      },
      unmuteMic: function (options) {
        return setMute('unmuteMic', options, false)
      },
      isMicMuted: function (options) {
        var blocked = gate('Call', 'isMicMuted', [options])
        if (blocked) return blocked
        var s = session(options)
        var muted = !!(s && s.muted)
        if (shared.micMutedShape === 'response') return ok()
        if (shared.micMutedShape === 'response-data') return ok(muted)
        return muted
      },
      hold: function (options) {
        return setHold('hold', options, true)
      },
      unHold: function (options) {
        return setHold('unHold', options, false)
      },
      transfer: function (options) {
        var blocked = gate('Call', 'transfer', [options])
        if (blocked) return blocked
        var s = session(options)
        if (!s || s.state !== 'active') return fail('no active session')
        if (!options.skillGroupId && !options.userId) return fail('skillGroupId or userId required')
        emitSoon('transfer', { sessionId: s.sessionId })
        endSession(s, 'seat', null, true)
        return ok()
      },
      sendDigits: function (options) {
        var blocked = gate('Call', 'sendDigits', [options])
        if (blocked) return blocked
        var s = session(options)
        if (!s || s.state !== 'active') return fail('no active session')
        var text = options.dtmfText
        if (typeof text !== 'string' || !/^[0-9*#]+$/.test(text)) return fail('invalid dtmfText')
        s.dtmf += text
        return ok()
      },
    },
    Agent: {
      online: function () {
        var blocked = gate('Agent', 'online', [])
        if (blocked) return blocked
        inst.status = 'free'
        emitSoon('statusChanged', { status: 'free' })
        return undefined
      },
      offline: function () {
        var blocked = gate('Agent', 'offline', [])
        if (blocked) return blocked
        inst.status = 'offline'
        emitSoon('statusChanged', { status: 'offline' })
        return undefined
      },
      getStatus: function () {
        return inst.status
      },
      setStatus: function (options) {
        var blocked = gate('Agent', 'setStatus', [options])
        if (blocked) return blocked
        inst.status = (options && options.status) || inst.status
        emitSoon('statusChanged', { status: inst.status })
        return ok()
      },
    },
    Devices: {
      isBrowserSupported: function () {
        record('Devices.isBrowserSupported', [])
        if (typeof shared.browserSupported === 'boolean') return shared.browserSupported
        return setting('browserSupported') !== '0'
      },
      getMicrophones: function () {
        return Promise.resolve([])
      },
      getSpeakers: function () {
        return Promise.resolve([])
      },
    },
    UI: {
      hide: function () {
        record('UI.hide', [])
      },
      show: function () {
        record('UI.show', [])
      },
    },
  }

  function setMute(method, options, muted) {
    var blocked = gate('Call', method, [options])
    if (blocked) return blocked
    var s = session(options)
    if (!s || s.state !== 'active') return fail('no active session')
    if (shared.ignoreMute) shared.ignoreMute = false
    else s.muted = muted
    return ok()
  }

  function setHold(method, options, held) {
    var blocked = gate('Call', method, [options])
    if (blocked) return blocked
    var s = session(options)
    if (!s || s.state !== 'active') return fail('no active session')
    s.held = held
    return ok()
  }

  window.tccc = tccc

  // ---- initialisation: ready (or tokenExpired) a moment after load ------------------------
  if (setting('neverReady') !== '1') {
    var delay = Number(setting('readyDelay'))
    window.setTimeout(
      function () {
        if (dead) return
        if (!claims) {
          inst.tokenExpired = true
          emit('tokenExpired', { reason: 'invalid or expired token' })
          return
        }
        inst.ready = true
        inst.status = 'free'
        emit('ready', {})
      },
      setting('readyDelay') !== null && Number.isFinite(delay) && delay >= 0 ? delay : 30,
    )
  }
  var autoAnswer = Number(setting('autoAnswer'))
  if (setting('autoAnswer') !== null && Number.isFinite(autoAnswer)) shared.autoAnswerMs = autoAnswer

  // ---- test controls ---------------------------------------------------------------------
  function current() {
    return shared.current
  }
  function liveSessions() {
    var list = []
    var all = current().sessions
    for (var id in all) list.push(all[id])
    return list
  }
  function find(predicate) {
    var list = liveSessions()
    for (var i = list.length - 1; i >= 0; i--) if (predicate(list[i])) return list[i]
    return null
  }
  /** The call the far end acts on: the answered one first, else the newest. */
  function farEndSession() {
    return find(function (s) { return s.state === 'active' }) || find(function () { return true })
  }
  function controlEnd(s, closeBy, extra) {
    if (!s) return null
    // Ends through the instance that owns the session (always the current one).
    current().endSession(s, closeBy, extra)
    return s.sessionId
  }
  inst.endSession = function (s, closeBy, extra) {
    endSession(s, closeBy, extra, false)
  }
  inst.emit = emit
  inst.answerOutbound = answerOutboundSession
  inst.addIncoming = function (s) {
    sessions[s.sessionId] = s
    var payload = {
      sessionId: s.sessionId,
      type: 'phone',
      timeout: s.timeout,
      calleePhoneNumber: '02000000000',
      callerPhoneNumber: s.peer,
      callerLocation: '',
      ivrPath: [],
      serverType: 'staffSeat',
    }
    if (s.remark) payload.remark = s.remark
    emit('callIn', payload)
  }
  inst.listenerCount = function (name) {
    var total = 0
    for (var key in listeners) if (!name || key === name) total += listeners[key].length
    return total
  }

  window.__tcccWebFake = {
    answerOutbound: function () {
      return current().answerOutbound(find(function (s) { return s.direction === 'out' && s.state === 'ringing' }))
    },
    rejectOutbound: function () {
      return controlEnd(find(function (s) { return s.direction === 'out' && s.state === 'ringing' }), 'client')
    },
    remoteHangup: function () {
      return controlEnd(farEndSession(), 'client')
    },
    adminHangup: function (mainReason, subReason) {
      return controlEnd(farEndSession(), 'admin', { mainReason: mainReason, subReason: subReason })
    },
    timerHangup: function () {
      return controlEnd(farEndSession(), 'timer')
    },
    incomingCall: function (options) {
      var live = current()
      if (!live.ready || live.tokenExpired || live.status === 'offline') return null
      var from = (options && options.from) || ''
      var s = {
        sessionId: newSessionId(),
        direction: 'in',
        peer: String(from),
        remark: options && options.remark,
        timeout: (options && options.timeout) || 30,
        state: 'ringing',
        muted: false,
        dtmf: '',
        answeredAt: 0,
      }
      live.addIncoming(s)
      return s.sessionId
    },
    autoTransfer: function () {
      var s = find(function (x) { return x.direction === 'in' && x.state === 'ringing' })
      if (!s) return null
      delete current().sessions[s.sessionId]
      current().emit('autoTransfer', { sessionId: s.sessionId })
      return s.sessionId
    },
    autoAnswerMs: function (ms) {
      shared.autoAnswerMs = typeof ms === 'number' ? ms : null
    },
    expireToken: function () {
      var live = current()
      live.tokenExpired = true
      live.emit('tokenExpired', { reason: 'expired' })
    },
    failNext: function (method, errorMsg, code) {
      ;(shared.failures[method] = shared.failures[method] || []).push({ errorMsg: errorMsg || method + ' failed (injected)', code: code })
    },
    ignoreNextMute: function () {
      shared.ignoreMute = true
    },
    setMicMutedShape: function (shape) {
      shared.micMutedShape = shape === 'response' || shape === 'response-data' ? shape : 'boolean'
    },
    setBrowserSupported: function (supported) {
      shared.browserSupported = !!supported
    },
    setPayloadShape: function (shape) {
      shared.payloadShape = shape === 'wrapped' ? 'wrapped' : 'flat'
    },
    emitRaw: function (name, payload) {
      current().emit(name, payload)
    },
    log: function () {
      return shared.log.slice()
    },
    clearLog: function () {
      shared.log.length = 0
    },
    listenerCount: function (name) {
      return current().listenerCount(name)
    },
    state: function () {
      var live = current()
      return {
        loads: shared.loads,
        ready: live.ready,
        tokenExpired: live.tokenExpired,
        status: live.status,
        userId: live.userId,
        sdkAppId: live.sdkAppId,
        sessions: liveSessions().map(function (s) {
          return { sessionId: s.sessionId, direction: s.direction, peer: s.peer, remark: s.remark, uui: s.uui, type: s.type || 'phone', callerPhoneNumber: s.callerPhoneNumber, state: s.state, muted: s.muted, held: !!s.held, dtmf: s.dtmf }
        }),
        listenerCount: live.listenerCount(),
      }
    },
  }
})(window, document)
