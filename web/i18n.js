// The call page's words, in Russian and English.
//
// Owns every user-visible string of the call page: statuses, button
// labels and hints, error sentences. call.html carries only data-i18n*
// markers and call.js only keys, so nothing on screen bypasses t().
// Sentences are for people: no codes, no internals.

import { makeI18n } from './i18n-core.js';

const STRINGS = {
  en: {
    pageTitle: 'Video call',
    // Statuses (the big text).
    connecting: 'Connecting…',
    ringing: 'Ringing — the box answers in a moment…',
    inCall: 'In call',
    problems: 'Connection problems — reconnecting…',
    ended: 'The call has ended',
    takenOver: 'The call continues in another window.',
    busy: 'The box is busy with another call — try again in a few minutes.',
    busyRetrying: 'This page keeps trying by itself.',
    invalidLink: 'This link is not valid',
    invalidLinkHelp: 'Ask the person who sent it for a new link.',
    linkNoLongerValid: 'This link is no longer valid — ask your family for a new one.',
    resting: 'Your family is resting — try again after {until}.',
    notAnswering: 'The box is not taking calls right now. Please try again later.',
    unreachable: "Can't reach the box. Check your internet connection.",
    unreachableGaveUp: 'The box is switched off or not connected to the internet. Try again later.',
    busyGaveUp: 'The box is still busy. Try again in a few minutes.',
    connectionFailed: 'The call could not be connected',
    connectionFailedHelp: 'Try another network — Wi-Fi or mobile data — or another browser.',
    incompatible: 'This browser cannot make this call',
    incompatibleHelp: 'Open the link in Chrome, Safari or Firefox.',
    noWebRTC: 'This browser cannot make video calls',
    noWebRTCHelp: 'Open the link in Safari or Chrome. In a messenger, choose "Open in browser".',
    // Refusals from the box (protocol ErrorCode) and the fallback for unknown ones.
    unsupportedVersion: 'Please reload the page.',
    badMessage: 'Something went wrong while connecting. Please reload the page.',
    unavailable: "The box can't take calls right now. Please try again in a few minutes.",
    unknownError: 'Something went wrong. Please reload the page.',
    // Notes about this side's camera and microphone.
    callTitle: 'Call {name}',
    callTitleUnnamed: 'Call your family',
    callHelp: 'Press Call. When your browser asks, press Allow so {name} can see and hear you.',
    callHelpUnnamed: 'Press Call. When your browser asks, press Allow so your family can see and hear you.',
    call: 'Call',
    asking: 'Press Allow',
    askingHelp: 'Your browser asks if this page may use the camera and microphone: press Allow.',
    close: 'Close',
    clickToHear: 'Click to hear',
    problemDenied:
      'The browser did not give this page the camera and microphone — your family cannot see or hear you. Allow them (the camera sign in the address bar), then press Try again.',
    problemNoCamera: 'No camera found — your family can hear you but not see you.',
    problemCameraBusy:
      'The camera is in use by another program. Close it (another video call, the camera app), then press Try again.',
    problemInsecure:
      'This page was not opened securely, so the browser gives it no camera. Open the link exactly as you received it (it starts with https).',
    problemInApp:
      'This app’s own browser cannot use the camera. Open the link in Safari or Chrome (the ⋯ menu, then “Open in browser”).',
    // Buttons.
    callAgain: 'Call again',
    reload: 'Reload the page',
    tryAgain: 'Try again',
    tapToHear: 'Tap to hear',
    controls: 'Call controls',
    mic: 'Microphone',
    micOn: 'Microphone on',
    micOff: 'Microphone off',
    micHint: 'Turn the microphone on or off',
    camera: 'Camera',
    cameraOn: 'Camera on',
    cameraOff: 'Camera off',
    cameraHint: 'Turn the camera on or off',
    hangUp: 'Hang up',
    hangUpHint: 'End the call',
    fullscreen: 'Full screen',
    fullscreenLeave: 'Leave full screen',
    fullscreenHint: 'Full screen on or off',
    youAreMuted: 'You are muted',
    shortcutKeys: 'Keys M, V and Esc',
    // The one question before hanging up.
    endTheCall: 'End the call?',
    endYes: 'Yes, end the call',
    endNo: 'No, keep talking',
    // Once, on an iPhone in Safari.
    homeScreenHint:
      'Next time, call with one tap: tap Share (the square with an arrow), then "Add to Home Screen".',
    homeScreenHintLabel: 'Tip',
    homeScreenHintClose: 'Got it',
    // Videos.
    remoteVideo: 'The call',
    selfView: 'Your camera',
  },
  ru: {
    pageTitle: 'Видеозвонок',
    connecting: 'Соединяемся…',
    ringing: 'Звоним — устройство сейчас ответит…',
    inCall: 'Идёт звонок',
    problems: 'Проблемы со связью — переподключаемся…',
    ended: 'Звонок завершён',
    takenOver: 'Звонок продолжается в другом окне.',
    busy: 'Устройство занято другим звонком — попробуйте через несколько минут.',
    busyRetrying: 'Страница сама будет пробовать снова.',
    invalidLink: 'Эта ссылка недействительна',
    invalidLinkHelp: 'Попросите новую ссылку у того, кто прислал эту.',
    linkNoLongerValid: 'Эта ссылка больше не действует — попросите у родных новую.',
    resting: 'Родные отдыхают — позвоните после {until}.',
    notAnswering: 'Устройство сейчас не принимает звонки. Попробуйте позже.',
    unreachable: 'Не удаётся связаться с устройством. Проверьте подключение к интернету.',
    unreachableGaveUp: 'Устройство выключено или не подключено к интернету. Попробуйте позже.',
    busyGaveUp: 'Устройство всё ещё занято. Попробуйте через несколько минут.',
    connectionFailed: 'Не удалось соединиться',
    connectionFailedHelp: 'Попробуйте другую сеть — Wi-Fi или мобильный интернет — или другой браузер.',
    incompatible: 'Этот браузер не может совершить этот звонок',
    incompatibleHelp: 'Откройте ссылку в Chrome, Safari или Firefox.',
    noWebRTC: 'Этот браузер не поддерживает видеозвонки',
    noWebRTCHelp: 'Откройте ссылку в Safari или Chrome. В мессенджере выберите «Открыть в браузере».',
    unsupportedVersion: 'Пожалуйста, обновите страницу.',
    badMessage: 'При соединении что-то пошло не так. Пожалуйста, обновите страницу.',
    unavailable: 'Устройство сейчас не может принять звонок. Попробуйте через несколько минут.',
    unknownError: 'Что-то пошло не так. Пожалуйста, обновите страницу.',
    callTitle: 'Позвонить: {name}',
    callTitleUnnamed: 'Позвонить семье',
    callHelp: 'Нажмите «Позвонить». Когда браузер спросит, нажмите «Разрешить», чтобы {name} вас видел(а) и слышал(а).',
    callHelpUnnamed: 'Нажмите «Позвонить». Когда браузер спросит, нажмите «Разрешить», чтобы семья вас видела и слышала.',
    call: 'Позвонить',
    asking: 'Нажмите «Разрешить»',
    askingHelp: 'Браузер спрашивает, можно ли этой странице включить камеру и микрофон: нажмите «Разрешить».',
    close: 'Закрыть',
    clickToHear: 'Нажмите, чтобы слышать',
    problemDenied:
      'Браузер не дал этой странице камеру и микрофон — семья вас не видит и не слышит. Разрешите их (значок камеры в адресной строке) и нажмите «Попробовать снова».',
    problemNoCamera: 'Камера не найдена — семья вас слышит, но не видит.',
    problemCameraBusy:
      'Камера занята другой программой. Закройте её (другой видеозвонок, приложение камеры) и нажмите «Попробовать снова».',
    problemInsecure:
      'Страница открыта без защиты, и браузер не даёт ей камеру. Откройте ссылку точно так, как вы её получили (она начинается с https).',
    problemInApp:
      'Встроенный браузер этого приложения не может включить камеру. Откройте ссылку в Safari или Chrome (меню ⋯, затем «Открыть в браузере»).',
    callAgain: 'Позвонить снова',
    reload: 'Обновить страницу',
    tryAgain: 'Попробовать снова',
    tapToHear: 'Нажмите, чтобы слышать',
    controls: 'Управление звонком',
    mic: 'Микрофон',
    micOn: 'Микрофон включён',
    micOff: 'Микрофон выключен',
    micHint: 'Включить или выключить микрофон',
    camera: 'Камера',
    cameraOn: 'Камера включена',
    cameraOff: 'Камера выключена',
    cameraHint: 'Включить или выключить камеру',
    hangUp: 'Завершить',
    hangUpHint: 'Завершить звонок',
    fullscreen: 'Весь экран',
    fullscreenLeave: 'Обычный экран',
    fullscreenHint: 'Включить или выключить полноэкранный режим',
    youAreMuted: 'Вас не слышно',
    shortcutKeys: 'Клавиши M, V и Esc',
    endTheCall: 'Завершить звонок?',
    endYes: 'Да, завершить',
    endNo: 'Нет, продолжить',
    homeScreenHint:
      'В следующий раз звоните одним касанием: нажмите «Поделиться» (квадрат со стрелкой), затем «На экран „Домой“».',
    homeScreenHintLabel: 'Совет',
    homeScreenHintClose: 'Понятно',
    remoteVideo: 'Собеседник',
    selfView: 'Ваша камера',
  },
};

const words = makeI18n(STRINGS);

/** The page's language: 'ru' or 'en'. */
export const lang = words.lang;
/** The sentence or label for a key, in the page's language (see i18n-core.js). */
export const t = words.t;
/** Fills the data-i18n* markers under a root (see i18n-core.js). */
export const localize = words.localize;
