import { describe, expect, it } from 'vitest'
import { createWorkspaceTransport } from '@/services/workspaceClient'
import { lastRequest, rejection, requestMock, respond } from './__tests__/uniRequest'

const TOKEN = 'acc-ws-7'
const BASE = 'https://backend.example.com'
const change = { kind: 'note', id: 'n-1', rev: '3', deleted: false, data: { text: 'hi' } }
const page = { changes: [change], cursor: 'c-9', more: false }

function transport(token: string | null = TOKEN) {
  return createWorkspaceTransport(() => token, () => BASE)
}

/** The TcccError symbol and detail the call rejects with; never the token. */
async function failure(promise: Promise<unknown>) {
  const error = await rejection(promise)
  expect(error.message).not.toContain(TOKEN)
  return { symbol: error.symbol, detail: error.detail }
}

describe('workspace pull', () => {
  it('GETs the changes since the cursor with the bearer token and returns the page', async () => {
    respond(200, page)
    await expect(transport().pull('a&b=1', 50)).resolves.toEqual(page)
    const request = lastRequest()
    expect(request.method).toBe('GET')
    expect(request.url).toBe(`${BASE}/api/workspace/changes?since=a%26b%3D1&limit=50`)
    expect(request.header).toMatchObject({ Authorization: `Bearer ${TOKEN}` })
  })

  it('accepts a copy another phone put back, with the rev it had seen (seenRev)', async () => {
    const putBack = { ...change, seenRev: '12' }
    respond(200, { changes: [putBack], cursor: 'c-10', more: false })
    await expect(transport().pull('', 1)).resolves.toEqual({ changes: [putBack], cursor: 'c-10', more: false })
  })

  it('accepts a deleted change with data null and an empty last page', async () => {
    const deleted = { ...change, deleted: true, data: null }
    respond(200, { changes: [deleted], cursor: 'c-10', more: true })
    await expect(transport().pull('', 1)).resolves.toEqual({ changes: [deleted], cursor: 'c-10', more: true })
  })

  it('accepts the first page of a full listing (resync) with the watermark, and a listing\'s own cursor', async () => {
    const listing = { changes: [change], cursor: 's3', more: true, resync: true, pruned: '1733390000000456' }
    respond(200, listing)
    await expect(transport().pull('12', 1000)).resolves.toEqual(listing)
  })

  it.each([
    ['resync without the watermark', { ...page, resync: true }],
    ['a watermark without resync', { ...page, pruned: '12' }],
    ['resync false with a watermark', { ...page, resync: false, pruned: '12' }],
    ['resync not a boolean', { ...page, resync: 'yes', pruned: '12' }],
    ['a watermark that is not a rev', { ...page, resync: true, pruned: '12a' }],
    ['a watermark that is a number', { ...page, resync: true, pruned: 12 }],
    ['a watermark of 19 digits', { ...page, resync: true, pruned: '1'.repeat(19) }],
  ])('refuses a listing with %s as MALFORMED_RESPONSE: the phone could not tell what to keep', async (_name, body) => {
    respond(200, body)
    expect(await failure(transport().pull('', 10))).toEqual({ symbol: 'MALFORMED_RESPONSE', detail: 'workspace pull' })
  })

  it.each([
    ['no body', null],
    ['a list', [page]],
    ['changes not a list', { ...page, changes: {} }],
    ['cursor not a string', { ...page, cursor: 9 }],
    ['more not a boolean', { ...page, more: 'no' }],
    ['a change that is null', { ...page, changes: [change, null] }],
    ['a change that is a list', { ...page, changes: [[change]] }],
    ['kind not a string', { ...page, changes: [{ ...change, kind: 1 }] }],
    ['id not a string', { ...page, changes: [{ ...change, id: 1 }] }],
    ['rev not a string', { ...page, changes: [{ ...change, rev: 3 }] }],
    ['deleted not a boolean', { ...page, changes: [{ ...change, deleted: 'false' }] }],
    ['data a list', { ...page, changes: [{ ...change, data: ['hi'] }] }],
    ['data a string', { ...page, changes: [{ ...change, data: 'hi' }] }],
    ['data missing', { ...page, changes: [{ ...change, data: undefined }] }],
    ['seenRev not a string', { ...page, changes: [{ ...change, seenRev: 12 }] }],
  ])('refuses a page with %s as MALFORMED_RESPONSE', async (_name, body) => {
    respond(200, body)
    expect(await failure(transport().pull('', 10))).toEqual({ symbol: 'MALFORMED_RESPONSE', detail: 'workspace pull' })
  })

  it('a 401 is SESSION_EXPIRED even with a well-formed page', async () => {
    respond(401, page)
    expect(await failure(transport().pull('', 10))).toEqual({ symbol: 'SESSION_EXPIRED', detail: 'workspace' })
  })

  it('a 500 is a BACKEND_ERROR even with a well-formed page', async () => {
    respond(500, page)
    expect((await failure(transport().pull('', 10))).symbol).toBe('BACKEND_ERROR')
  })

  it.each([null, ''])('without a token (%j) fails with SESSION_EXPIRED and asks nothing', async (token) => {
    respond(200, page)
    requestMock().mockClear()
    expect(await failure(transport(token).pull('', 10))).toEqual({ symbol: 'SESSION_EXPIRED', detail: 'no backend session for sync' })
    expect(await failure(transport(token).push([]))).toEqual({ symbol: 'SESSION_EXPIRED', detail: 'no backend session for sync' })
    expect(requestMock()).not.toHaveBeenCalled()
  })
})

describe('one record read back (after the server refused a change to it)', () => {
  it('GETs the agent\'s number by id with the bearer token and returns it as a change', async () => {
    respond(200, { kind: 'number', id: 'n/1', rev: '12', deleted: false, data: { number: '13800138000' } })
    await expect(transport().record!('number', 'n/1')).resolves.toEqual({ kind: 'number', id: 'n/1', rev: '12', deleted: false, data: { number: '13800138000' } })
    const request = lastRequest()
    expect(request.method).toBe('GET')
    expect(request.url).toBe(`${BASE}/api/workspace/numbers/n%2F1`)
    expect(request.header).toMatchObject({ Authorization: `Bearer ${TOKEN}` })
  })

  it('a 404 is null (the server has no such number); another record or a 500 is an error', async () => {
    respond(404, { error: { code: 'NOT_FOUND', message: 'No such number' } })
    await expect(transport().record!('number', 'n-1')).resolves.toBeNull()
    respond(200, { kind: 'number', id: 'n-2', rev: '12', deleted: false, data: {} })
    expect(await failure(transport().record!('number', 'n-1'))).toMatchObject({ symbol: 'MALFORMED_RESPONSE' })
    respond(200, { kind: 'number', id: 'n-1', rev: 12, deleted: false, data: {} })
    expect(await failure(transport().record!('number', 'n-1'))).toMatchObject({ symbol: 'MALFORMED_RESPONSE' })
    respond(500, { error: { code: 'INTERNAL', message: 'x' } })
    expect(await failure(transport().record!('number', 'n-1'))).toMatchObject({ symbol: 'BACKEND_ERROR' })
  })
})

describe('workspace push', () => {
  const outgoing = [{ changeId: 'ch-1', kind: 'note', id: 'n-1', baseRev: '2', deleted: false, data: { text: 'x' } }]
  const results = [
    { changeId: 'ch-1', status: 'applied' },
    { changeId: 'ch-2', status: 'duplicate' },
    { changeId: 'ch-3', status: 'rejected', reason: 'stale' },
  ]

  it('POSTs the changes with the bearer token and returns every result', async () => {
    respond(200, { results })
    await expect(transport().push(outgoing as never)).resolves.toEqual(results)
    const request = lastRequest()
    expect(request.method).toBe('POST')
    expect(request.url).toBe(`${BASE}/api/workspace/changes`)
    expect(request.data).toEqual({ changes: outgoing })
    expect(request.header).toMatchObject({ Authorization: `Bearer ${TOKEN}` })
  })

  it.each([
    ['no body', null],
    ['a list', [results]],
    ['results not a list', { results: {} }],
    ['a result that is null', { results: [results[0], null] }],
    ['changeId not a string', { results: [results[0], { changeId: 2, status: 'applied' }] }],
    ['an unknown status', { results: [results[0], { changeId: 'ch-2', status: 'lost' }] }],
    ['reason not a string', { results: [results[0], { changeId: 'ch-3', status: 'rejected', reason: 5 }] }],
  ])('refuses an answer with %s as MALFORMED_RESPONSE', async (_name, body) => {
    respond(200, body)
    expect(await failure(transport().push(outgoing as never))).toEqual({ symbol: 'MALFORMED_RESPONSE', detail: 'workspace push' })
  })

  it('a 401 is SESSION_EXPIRED even with well-formed results', async () => {
    respond(401, { results })
    expect(await failure(transport().push(outgoing as never))).toEqual({ symbol: 'SESSION_EXPIRED', detail: 'workspace' })
  })
})

describe('workspace reconcile', () => {
  const records = [{ kind: 'number' as const, id: 'n-1', rev: '12' }, { kind: 'number' as const, id: 'n-2', rev: '9', deleted: true }]
  const answer = { lost: [{ kind: 'number', id: 'n-1', rev: '0', state: 'missing' }], newer: [{ kind: 'number', id: 'n-2', rev: '15', deleted: false, data: { number: '13800138000' } }] }

  it('POSTs the page with the bearer token and returns the answer', async () => {
    respond(200, answer)
    await expect(transport().reconcile!(records)).resolves.toEqual(answer)
    const request = lastRequest()
    expect(request.method).toBe('POST')
    expect(request.url).toBe(`${BASE}/api/workspace/reconcile`)
    expect(request.data).toEqual({ records })
    expect(request.header).toMatchObject({ Authorization: `Bearer ${TOKEN}` })
  })

  it.each([
    ['no body', null],
    ['lost missing', { newer: [] }],
    ['newer missing', { lost: [] }],
    ['a lost record of another kind', { ...answer, lost: [{ ...answer.lost[0], kind: 'outcome' }] }],
    ['a lost rev that is not digits', { ...answer, lost: [{ ...answer.lost[0], rev: 'x1' }] }],
    ['a lost state unknown', { ...answer, lost: [{ ...answer.lost[0], state: 'gone' }] }],
    ['a newer change without data', { ...answer, newer: [{ ...answer.newer[0], data: undefined }] }],
  ])('refuses an answer with %s as MALFORMED_RESPONSE', async (_name, body) => {
    respond(200, body)
    expect(await failure(transport().reconcile!(records))).toEqual({ symbol: 'MALFORMED_RESPONSE', detail: 'workspace reconcile' })
  })

  it('a 401 is SESSION_EXPIRED', async () => {
    respond(401, answer)
    expect(await failure(transport().reconcile!(records))).toEqual({ symbol: 'SESSION_EXPIRED', detail: 'workspace' })
  })
})

describe('workspace reconcile check', () => {
  it('GETs the floor since the last answer\'s at, with the bearer token', async () => {
    respond(200, { floor: '1234', at: 1_767_225_600_000 })
    await expect(transport().reconcileFloor!(1_767_225_000_000.7)).resolves.toEqual({ floor: '1234', at: 1_767_225_600_000 })
    expect(lastRequest().url).toBe(`${BASE}/api/workspace/reconcile?since=1767225000000`)
    expect(lastRequest().method).toBe('GET')
    respond(200, { floor: null, at: 5 })
    await expect(transport().reconcileFloor!(-3)).resolves.toEqual({ floor: null, at: 5 })
    expect(lastRequest().url).toBe(`${BASE}/api/workspace/reconcile?since=0`)
  })

  it.each([
    ['no body', null],
    ['floor a number', { floor: 12, at: 1 }],
    ['floor not digits', { floor: '1e3', at: 1 }],
    ['floor missing', { at: 1 }],
    ['at missing', { floor: null }],
    ['at a string', { floor: null, at: '1' }],
  ])('refuses an answer with %s as MALFORMED_RESPONSE', async (_name, body) => {
    respond(200, body)
    expect(await failure(transport().reconcileFloor!(0))).toEqual({ symbol: 'MALFORMED_RESPONSE', detail: 'workspace reconcile floor' })
  })
})
