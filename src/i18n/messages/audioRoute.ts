const zh = {
  'audioRoute.route.earpiece': '听筒',
  'audioRoute.route.speaker': '免提',
  'audioRoute.route.wired': '有线耳机',
  'audioRoute.route.bluetooth': '蓝牙耳机',
  'audioRoute.choose': '选择声音输出',
  'audioRoute.output': '声音输出',
  'audioRoute.headsetInUse': '通话声音：{route}',
}

const en: Record<keyof typeof zh, string> = {
  'audioRoute.route.earpiece': 'Earpiece',
  'audioRoute.route.speaker': 'Speaker',
  'audioRoute.route.wired': 'Wired headset',
  'audioRoute.route.bluetooth': 'Bluetooth headset',
  'audioRoute.choose': 'Choose the audio output',
  'audioRoute.output': 'Audio output',
  'audioRoute.headsetInUse': 'Call audio: {route}',
}

export default { zh, en }
