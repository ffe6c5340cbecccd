const zh = {} as const

const en: Record<keyof typeof zh, string> = {}

export default { zh, en }
