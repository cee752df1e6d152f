// The admin page's words, in Russian and English.
//
// Owns the language choice and every string the admin page shows: headings,
// labels, hints, confirmations and its own error sentences, plus the date and
// number formats that go with the language. admin.html carries only
// data-i18n* markers and admin.js only keys, so nothing on screen bypasses
// t(). Sentences the box's API sends ({"error": "…"}) are shown as they come
// and never pass through here.
//
// A string is either plain text or, when it holds a count, an object of
// plural forms (Intl.PluralRules categories) chosen by the `n` parameter.
// `{name}` in a string is replaced by the parameter of that name.

/** @typedef {string | Readonly<Record<string, string>>} Entry */

/** @param {Record<string, Entry>} table */
const frozen = (table) => Object.freeze(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, typeof v === 'string' ? v : Object.freeze(v)])));

const STRINGS = Object.freeze({
  en: frozen({
    pageTitle: 'HomeCall — family settings',
    appName: 'HomeCall',
    appSubtitle: 'Family settings',
    loading: 'Loading…',
    working: 'One moment…',
    unreachable: "Can't reach the box. Check that this phone or computer is on the home network, then try again.",
    serverTrouble: 'The box could not do that just now. Please try again.',
    tryAgain: 'Try again',
    sessionEnded: 'You were logged out. Please log in again.',
    loggedOut: 'You are logged out.',
    showPasswords: 'Show the passwords',
    showPassword: 'Show the password',

    // First set-up.
    setupTitle: 'Set up the box',
    setupIntro: 'Welcome! To make sure it is you, type the code the TV shows, then choose a password for these settings.',
    setupCode: 'Enter the code shown on the TV',
    setupCodeHint: '8 digits, on the TV screen now.',
    newPassword: 'New password',
    newPasswordAgain: 'New password again',
    passwordHint: 'At least 10 characters. A few words you will remember work well.',
    setupSubmit: 'Set up',
    codeInvalid: 'The code is 8 digits — type it as the TV shows it.',
    passwordTooShort: 'The password needs at least 10 characters.',
    passwordsDiffer: 'The two new passwords are not the same.',

    // Login.
    loginTitle: 'Log in',
    loginIntro: 'Enter the password of these settings.',
    password: 'Password',
    loginSubmit: 'Log in',
    passwordMissing: 'Type the password.',
    tooManyTries: {
      one: 'Too many tries — wait {n} second.',
      other: 'Too many tries — wait {n} seconds.',
    },
    waitSeconds: 'Wait {n}',

    // Sections.
    sections: 'Sections',
    tabLinks: 'Links',
    tabAnswering: 'Answering',
    tabPicture: 'Picture & devices',
    tabStatus: 'Status',
    tabPassword: 'Password',

    // Links.
    linksTitle: 'Links for calling',
    linksIntro: 'Everyone who may call gets their own link. Opening it starts a video call to the TV.',
    newLinkTitle: 'Make a new link',
    linkLabel: 'Who is it for?',
    linkLabelHint: 'The TV shows this name when they call — for example, Anna.',
    linkLabelMissing: 'Write who the link is for.',
    linkExpiry: 'Works for',
    expiryNever: 'Until revoked',
    expiryDay: '1 day',
    expiryWeek: '7 days',
    expiryMonth: '30 days',
    linkOneTime: 'Good for one call only',
    createLink: 'Make the link',
    newLinkFor: 'New link for {label}',
    newLinkHelp: 'Send this link, or let them scan the code with a phone camera.',
    linkUrl: 'The link',
    qrAlt: 'QR code of the link for {label}',
    copy: 'Copy the link',
    copied: 'Copied. Paste it into a message.',
    copySelected: 'The link is selected — copy it with Ctrl+C, or press and hold it on a phone.',
    shownOnce: "For security the box can't show this link again. If it's lost, replace it.",
    done: 'Done',
    linkListTitle: 'Links made so far',
    noLinks: 'No links yet. Make the first one above.',
    linkCreated: 'Made',
    linkExpires: 'Works until',
    linkNeverExpires: 'until revoked',
    linkLastUsed: 'Last call',
    linkNeverUsed: 'never',
    linkCalls: 'Calls',
    linkOneTimeNote: 'For one call only.',
    stateActive: 'Active',
    stateSpent: 'One-time, used',
    stateExpired: 'Expired',
    stateRevoked: 'Revoked',
    revoke: 'Revoke',
    replace: 'Replace',
    revokeFor: 'Revoke the link for {label}',
    replaceFor: 'Replace the link for {label}',
    confirmRevoke: 'Revoke the link for {label}?\n\nIt stops working at once, and a call through it now ends.',
    confirmReplace: 'Replace the link for {label}?\n\nThe old link stops working, and you get a new one to send.',
    revokedDone: 'The link for {label} is revoked.',

    // Answering.
    answeringTitle: 'Answering calls',
    autoAnswer: 'Answer calls by itself',
    autoAnswerHint: 'When this is off, the box takes no calls and callers are asked to try later.',
    answerDetails: 'When answering',
    countdown: 'Before answering, show who is calling for',
    countdownHint: 'The TV plays a chime and shows the name from the link.',
    countdownNone: 'Answer at once',
    seconds: {
      one: '{n} second',
      other: '{n} seconds',
    },
    quietHours: 'Quiet hours',
    quietHoursHint: 'During quiet hours the TV stays quiet, and callers read when to try again.',
    quietFrom: 'From',
    quietUntil: 'Until',
    quietMissing: 'Choose when quiet hours start and when they end.',
    quietSame: 'Quiet hours must start and end at different times.',
    save: 'Save',
    saved: 'Saved.',

    // Picture & devices.
    pictureTitle: 'Picture and devices',
    pictureIntro: 'What the box sends to the caller, and which camera, microphone and speaker it uses.',
    pictureSent: 'Picture sent to the caller',
    pictureSize: 'Picture size',
    pictureSizeHint: 'A bigger picture is sharper but needs a faster internet connection.',
    size640: 'Small (640×360)',
    size854: 'Medium (854×480)',
    size960: 'Large (960×540)',
    size1280: 'Sharpest (1280×720)',
    sizeConfigured: 'As configured ({width}×{height})',
    asConfigured: 'As configured',
    framerate: 'Smoothness',
    framerateHint: 'More pictures a second look smoother but need more of the connection.',
    framesPerSecond: '{n} pictures a second',
    framesConfigured: 'As configured ({n} pictures a second)',
    bitrate: 'Most of the connection to use',
    bitrateHint: 'Lower this if the picture stutters or freezes for the caller.',
    kbps: '{n} kbit/s',
    kbpsConfigured: 'As configured ({n} kbit/s)',
    devicesLegend: 'Camera, microphone and speaker',
    camera: 'Camera',
    microphone: 'Microphone',
    automatic: 'Automatic',
    automaticNamed: 'Automatic (now: {name})',
    automaticTestPicture: 'Automatic (now: a test picture)',
    automaticTestTone: 'Automatic (now: a test tone)',
    deviceMissing: '{name} — not connected now',
    noCamera: 'No camera found — the box sends a test picture.',
    noMicrophone: 'No microphone found — the box sends a test tone.',
    noSpeaker: "No speaker found — the caller's voice is not played.",
    speaker: 'Speaker',
    volume: 'Volume',
    volumeHint: 'Set on the box when you save, so you can hear the change.',
    volumeLeave: 'Leave as it is',
    savedNextCall: 'Saved — applies to the next call.',

    // Status.
    statusTitle: 'The box now',
    stateWaiting: 'Waiting for a call',
    stateRinging: '{who} is calling — the box answers in a moment',
    stateConnecting: 'Connecting the call with {who}…',
    stateInCall: 'In a call with {who}',
    stateUnknown: 'Busy with something else',
    someone: 'Someone',
    pictureFromCaller: 'Picture from the caller',
    pictureValue: '{width} × {height}, {fps} pictures a second, {frames} so far',
    soundFromCaller: 'Sound from the caller',
    soundComing: 'coming in',
    noneYet: 'none yet',
    roundTrip: 'Delay there and back',
    msValue: '{n} ms',
    loss: 'Lost on the way to the caller',
    percentValue: '{n} %',
    kbpsSent: 'Sending to the caller',
    kbpsReceived: 'Receiving from the caller',
    notMeasured: 'not measured yet',
    networkTitle: 'Network',
    networkIntro: "Checks that the family's TURN server answers and gives the box a relay: calls from other networks need it. Takes a few seconds.",
    networkCheck: 'Check the network',
    networkChecking: 'Checking… this takes a few seconds.',
    networkCheckedAt: 'Checked at {time}.',
    networkTurn: 'TURN server',
    networkNoTurn: "None is set up: calls from some networks may not connect. Add [turn] to the box's configuration.",
    networkTurnOk: 'Works: {server} gave the box a relay ({relayed}).',
    networkTurnFailed: 'Does not work ({server}): {error}',
    networkPublic: 'Public address',
    networkPublicValue: '{address}: the address the internet sees the home at',
    networkPublicUnknown: 'Not found: {error}',
    certificate: 'Certificate (SHA-256)',
    relayTitle: 'Reach from anywhere (relay)',
    relayIntro: "Relatives outside the home reach the box through the family's relay. On the relay, run `homecall relay pair`, then paste the code it prints here.",
    relayServer: 'Relay',
    relayTunnel: 'Connection',
    relayLinks: 'New links start with',
    relayCodeLabel: 'Pairing code',
    relayPair: 'Pair with this relay',
    relayUnpair: 'Unpair',
    relayPaired: 'Paired. New links now go through the relay.',
    relayUnpaired: 'Unpaired. New links point at the box again.',
    relayNone: 'Not paired: only the home network (or a port forward) reaches the box.',
    relayConnectedSince: 'Connected since {time}.',
    relayConnecting: 'Connecting…',
    relayDown: 'Not connected since {time}. {error} The box keeps trying.',
    tvTitle: 'Picture on the TV',
    tvAlt: 'What the TV shows now',
    tvNoScreen: 'This box has no screen attached.',
    tvTrouble: 'The picture of the TV could not be fetched just now.',
    tvRefresh: 'Refresh the picture',
    inputTest: 'a test source, as configured',
    inputNotFound: 'none found — callers get {standIn}',
    inputIdle: '{device}, used during calls',
    inputStarting: '{device}, starting',
    inputWorking: '{device}, working',
    inputMissing: '{device} is not there (unplugged?) — callers get {standIn}',
    inputFailed: '{device} failed: {reason} — callers get {standIn}',
    standInCamera: 'a still picture',
    standInMicrophone: 'silence',
    callsTitle: 'Last calls',
    noCalls: 'No calls yet.',
    callLasted: 'Lasted',
    callEnded: 'How it ended',
    callPicture: 'Picture received',
    endedHungUp: 'hung up',
    endedLinkRevoked: 'the link was revoked',
    endedConnectionFailed: 'the connection failed',
    endedTakenOver: 'continued on another phone or computer',
    endedBoxShutdown: 'the box was switched off or restarted',
    endedGone: 'the caller was cut off and did not come back',
    endedIncompatible: "the caller's browser could not make the call",
    endedExpelled: "the caller's page sent what the box does not accept",
    endedOther: 'ended',
    noPicture: 'no picture',
    pictureSize2: '{width} × {height}',
    minutes: {
      one: '{n} minute',
      other: '{n} minutes',
    },
    minutesSeconds: '{minutes} {seconds}',
    encoder: 'Video encoder',
    version: 'Software version',
    updatedAt: 'Updated at {time}. The page refreshes this by itself.',

    // Password and logging out.
    passwordTitle: 'Change the password',
    oldPassword: 'Current password',
    changePassword: 'Change the password',
    oldPasswordMissing: 'Type the current password.',
    passwordChanged: 'The password is changed. Other phones and computers have to log in again.',
    logoutTitle: 'Log out',
    logoutHint: 'Log out when you are done on a shared computer.',
    logout: 'Log out',
  }),
  ru: frozen({
    pageTitle: 'HomeCall — настройки для семьи',
    appName: 'HomeCall',
    appSubtitle: 'Настройки для семьи',
    loading: 'Загрузка…',
    working: 'Минутку…',
    unreachable: 'Не удаётся связаться с устройством. Проверьте, что этот телефон или компьютер подключён к домашней сети, и попробуйте снова.',
    serverTrouble: 'Устройству сейчас не удалось это сделать. Попробуйте ещё раз.',
    tryAgain: 'Попробовать снова',
    sessionEnded: 'Вы вышли из настроек. Пожалуйста, войдите снова.',
    loggedOut: 'Вы вышли из настроек.',
    showPasswords: 'Показать пароли',
    showPassword: 'Показать пароль',

    setupTitle: 'Настройка устройства',
    setupIntro: 'Добро пожаловать! Чтобы убедиться, что это вы, введите код с экрана телевизора и придумайте пароль для этих настроек.',
    setupCode: 'Введите код с экрана телевизора',
    setupCodeHint: '8 цифр, они сейчас на экране телевизора.',
    newPassword: 'Новый пароль',
    newPasswordAgain: 'Новый пароль ещё раз',
    passwordHint: 'Не меньше 10 символов. Хорошо подходят несколько слов, которые вы запомните.',
    setupSubmit: 'Настроить',
    codeInvalid: 'Код — это 8 цифр; введите его так, как он показан на телевизоре.',
    passwordTooShort: 'В пароле должно быть не меньше 10 символов.',
    passwordsDiffer: 'Новые пароли не совпадают.',

    loginTitle: 'Вход',
    loginIntro: 'Введите пароль от этих настроек.',
    password: 'Пароль',
    loginSubmit: 'Войти',
    passwordMissing: 'Введите пароль.',
    tooManyTries: {
      one: 'Слишком много попыток — подождите {n} секунду.',
      few: 'Слишком много попыток — подождите {n} секунды.',
      many: 'Слишком много попыток — подождите {n} секунд.',
      other: 'Слишком много попыток — подождите {n} секунды.',
    },
    waitSeconds: 'Подождите: {n}',

    sections: 'Разделы',
    tabLinks: 'Ссылки',
    tabAnswering: 'Автоответ',
    tabPicture: 'Изображение и устройства',
    tabStatus: 'Состояние',
    tabPassword: 'Пароль',

    linksTitle: 'Ссылки для звонков',
    linksIntro: 'У каждого, кто может звонить, своя ссылка. Открыв её, человек звонит по видео на телевизор.',
    newLinkTitle: 'Новая ссылка',
    linkLabel: 'Для кого ссылка?',
    linkLabelHint: 'Это имя появится на телевизоре при звонке — например, Анна.',
    linkLabelMissing: 'Напишите, для кого ссылка.',
    linkExpiry: 'Срок действия',
    expiryNever: 'Пока не отзовёте',
    expiryDay: '1 день',
    expiryWeek: '7 дней',
    expiryMonth: '30 дней',
    linkOneTime: 'Только для одного звонка',
    createLink: 'Создать ссылку',
    newLinkFor: 'Новая ссылка: {label}',
    newLinkHelp: 'Отправьте эту ссылку или дайте отсканировать код камерой телефона.',
    linkUrl: 'Ссылка',
    qrAlt: 'QR-код ссылки: {label}',
    copy: 'Скопировать ссылку',
    copied: 'Скопировано. Вставьте ссылку в сообщение.',
    copySelected: 'Ссылка выделена — скопируйте её: Ctrl+C или долгое нажатие на телефоне.',
    shownOnce: 'Ради безопасности устройство больше не покажет эту ссылку. Если она потеряется, замените её.',
    done: 'Готово',
    linkListTitle: 'Созданные ссылки',
    noLinks: 'Ссылок пока нет. Создайте первую выше.',
    linkCreated: 'Создана',
    linkExpires: 'Действует до',
    linkNeverExpires: 'пока не отзовёте',
    linkLastUsed: 'Последний звонок',
    linkNeverUsed: 'не было',
    linkCalls: 'Звонков',
    linkOneTimeNote: 'Только для одного звонка.',
    stateActive: 'Действует',
    stateSpent: 'Одноразовая, использована',
    stateExpired: 'Срок истёк',
    stateRevoked: 'Отозвана',
    revoke: 'Отозвать',
    replace: 'Заменить',
    revokeFor: 'Отозвать ссылку: {label}',
    replaceFor: 'Заменить ссылку: {label}',
    confirmRevoke: 'Отозвать ссылку «{label}»?\n\nОна сразу перестанет работать, а идущий по ней звонок завершится.',
    confirmReplace: 'Заменить ссылку «{label}»?\n\nСтарая ссылка перестанет работать, а вы получите новую, чтобы отправить.',
    revokedDone: 'Ссылка «{label}» отозвана.',

    answeringTitle: 'Ответ на звонки',
    autoAnswer: 'Отвечать на звонки самостоятельно',
    autoAnswerHint: 'Если выключено, устройство не принимает звонки, а звонящим предлагают позвонить позже.',
    answerDetails: 'Как отвечать',
    countdown: 'Перед ответом показывать, кто звонит',
    countdownHint: 'Телевизор играет мелодию и показывает имя из ссылки.',
    countdownNone: 'Отвечать сразу',
    seconds: {
      one: '{n} секунду',
      few: '{n} секунды',
      many: '{n} секунд',
      other: '{n} секунды',
    },
    quietHours: 'Тихие часы',
    quietHoursHint: 'В тихие часы телевизор молчит, а звонящие видят, когда можно позвонить.',
    quietFrom: 'С',
    quietUntil: 'До',
    quietMissing: 'Укажите, когда тихие часы начинаются и когда заканчиваются.',
    quietSame: 'Тихие часы должны начинаться и заканчиваться в разное время.',
    save: 'Сохранить',
    saved: 'Сохранено.',

    pictureTitle: 'Изображение и устройства',
    pictureIntro: 'Что устройство отправляет звонящему и какие камеру, микрофон и динамик использует.',
    pictureSent: 'Изображение для звонящего',
    pictureSize: 'Размер изображения',
    pictureSizeHint: 'Чем больше изображение, тем оно чётче, но тем быстрее нужен интернет.',
    size640: 'Маленький (640×360)',
    size854: 'Средний (854×480)',
    size960: 'Большой (960×540)',
    size1280: 'Самый чёткий (1280×720)',
    sizeConfigured: 'Как в настройках устройства ({width}×{height})',
    asConfigured: 'Как в настройках устройства',
    framerate: 'Плавность',
    framerateHint: 'Чем больше кадров в секунду, тем плавнее, но тем больше нагрузка на интернет.',
    framesPerSecond: '{n} кадров в секунду',
    framesConfigured: 'Как в настройках устройства ({n} кадров в секунду)',
    bitrate: 'Сколько интернета можно занимать',
    bitrateHint: 'Уменьшите, если у звонящего изображение дёргается или замирает.',
    kbps: '{n} кбит/с',
    kbpsConfigured: 'Как в настройках устройства ({n} кбит/с)',
    devicesLegend: 'Камера, микрофон и динамик',
    camera: 'Камера',
    microphone: 'Микрофон',
    automatic: 'Автоматически',
    automaticNamed: 'Автоматически (сейчас: {name})',
    automaticTestPicture: 'Автоматически (сейчас: тестовое изображение)',
    automaticTestTone: 'Автоматически (сейчас: тестовый звук)',
    deviceMissing: '{name} — сейчас не подключено',
    noCamera: 'Камера не найдена — устройство отправляет тестовое изображение.',
    noMicrophone: 'Микрофон не найден — устройство отправляет тестовый звук.',
    noSpeaker: 'Динамик не найден — голос звонящего не воспроизводится.',
    speaker: 'Динамик',
    volume: 'Громкость',
    volumeHint: 'Устанавливается на устройстве при сохранении — изменение сразу слышно.',
    volumeLeave: 'Оставить как есть',
    savedNextCall: 'Сохранено — подействует со следующего звонка.',

    statusTitle: 'Устройство сейчас',
    stateWaiting: 'Ждёт звонка',
    stateRinging: 'Звонит {who} — устройство сейчас ответит',
    stateConnecting: 'Соединяется звонок: {who}…',
    stateInCall: 'Идёт звонок: {who}',
    stateUnknown: 'Занято чем-то другим',
    someone: 'кто-то',
    pictureFromCaller: 'Изображение от звонящего',
    pictureValue: '{width} × {height}, {fps} кадров в секунду, всего получено: {frames}',
    soundFromCaller: 'Звук от звонящего',
    soundComing: 'есть',
    noneYet: 'пока нет',
    roundTrip: 'Задержка туда и обратно',
    msValue: '{n} мс',
    loss: 'Потеряно по пути к звонящему',
    percentValue: '{n} %',
    kbpsSent: 'Отправляется звонящему',
    kbpsReceived: 'Приходит от звонящего',
    notMeasured: 'ещё не измерено',
    networkTitle: 'Сеть',
    networkIntro: 'Проверяет, что TURN-сервер семьи отвечает и выделяет устройству ретранслятор: без него звонки из других сетей могут не соединиться. Занимает несколько секунд.',
    networkCheck: 'Проверить сеть',
    networkChecking: 'Проверяю… это займёт несколько секунд.',
    networkCheckedAt: 'Проверено в {time}.',
    networkTurn: 'TURN-сервер',
    networkNoTurn: 'Не настроен: звонки из некоторых сетей могут не соединиться. Добавьте [turn] в настройки устройства.',
    networkTurnOk: 'Работает: {server} выделил устройству ретранслятор ({relayed}).',
    networkTurnFailed: 'Не работает ({server}): {error}',
    networkPublic: 'Внешний адрес',
    networkPublicValue: '{address}: под этим адресом дом виден из интернета',
    networkPublicUnknown: 'Не удалось узнать: {error}',
    certificate: 'Сертификат (SHA-256)',
    relayTitle: 'Звонки отовсюду (посредник)',
    relayIntro: 'Родные вне дома звонят через семейного посредника. На посреднике выполните `homecall relay pair` и вставьте сюда код, который он выведет.',
    relayServer: 'Посредник',
    relayTunnel: 'Связь',
    relayLinks: 'Новые ссылки начинаются с',
    relayCodeLabel: 'Код для связи',
    relayPair: 'Связать с этим посредником',
    relayUnpair: 'Отвязать',
    relayPaired: 'Связано. Новые ссылки теперь идут через посредника.',
    relayUnpaired: 'Отвязано. Новые ссылки снова ведут на приставку.',
    relayNone: 'Не связано: приставку видно только из домашней сети (или через проброс порта).',
    relayConnectedSince: 'На связи с {time}.',
    relayConnecting: 'Соединяемся…',
    relayDown: 'Нет связи с {time}. {error} Приставка пробует снова.',
    tvTitle: 'Изображение на телевизоре',
    tvAlt: 'Что сейчас показывает телевизор',
    tvNoScreen: 'К этому устройству не подключён экран.',
    tvTrouble: 'Сейчас не удалось получить изображение с телевизора.',
    tvRefresh: 'Обновить изображение',
    inputTest: 'тестовый источник, как настроено',
    inputNotFound: 'не найден — звонящие получают {standIn}',
    inputIdle: '{device}, включается во время звонков',
    inputStarting: '{device}, включается',
    inputWorking: '{device}, работает',
    inputMissing: '{device} не найден (отключён?) — звонящие получают {standIn}',
    inputFailed: '{device} не работает: {reason} — звонящие получают {standIn}',
    standInCamera: 'неподвижную картинку',
    standInMicrophone: 'тишину',
    callsTitle: 'Последние звонки',
    noCalls: 'Звонков пока не было.',
    callLasted: 'Длился',
    callEnded: 'Как завершился',
    callPicture: 'Получено изображение',
    endedHungUp: 'положили трубку',
    endedLinkRevoked: 'ссылку отозвали',
    endedConnectionFailed: 'связь прервалась',
    endedTakenOver: 'продолжился на другом телефоне или компьютере',
    endedBoxShutdown: 'устройство выключили или перезапустили',
    endedGone: 'связь со звонящим прервалась, и он не вернулся',
    endedIncompatible: 'браузер звонящего не смог совершить звонок',
    endedExpelled: 'страница звонящего прислала то, что устройство не принимает',
    endedOther: 'завершён',
    noPicture: 'не было',
    pictureSize2: '{width} × {height}',
    minutes: {
      one: '{n} минуту',
      few: '{n} минуты',
      many: '{n} минут',
      other: '{n} минуты',
    },
    minutesSeconds: '{minutes} {seconds}',
    encoder: 'Видеокодер',
    version: 'Версия программы',
    updatedAt: 'Обновлено в {time}. Страница обновляет это сама.',

    passwordTitle: 'Сменить пароль',
    oldPassword: 'Текущий пароль',
    changePassword: 'Сменить пароль',
    oldPasswordMissing: 'Введите текущий пароль.',
    passwordChanged: 'Пароль изменён. На других телефонах и компьютерах нужно войти снова.',
    logoutTitle: 'Выход',
    logoutHint: 'Выйдите, когда закончите, если компьютер общий.',
    logout: 'Выйти',
  }),
});

/**
 * The first preferred language this page has words for (ru-RU → ru,
 * en-GB → en); English when none is known.
 * @param {readonly string[]} preferred BCP 47 tags, most preferred first
 * @returns {'en' | 'ru'}
 */
function pickLanguage(preferred) {
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (Object.prototype.hasOwnProperty.call(STRINGS, base)) return /** @type {'en' | 'ru'} */ (base);
  }
  return 'en';
}

/** The page's language: 'ru' or 'en'. */
export const lang = pickLanguage(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en']);
document.documentElement.lang = lang;

const plurals = new Intl.PluralRules(lang);
const numbers = new Intl.NumberFormat(lang);
const dateTimes = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' });
const dateTimesThisYear = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
const times = new Intl.DateTimeFormat(lang, { timeStyle: 'medium' });

/**
 * The text for `key` in the page's language (English when it has no
 * translation; '' for an unknown key, never the key itself), with `{name}`
 * replaced by `params[name]`. A plural entry picks its form by `params.n`.
 * @param {string} key
 * @param {Readonly<Record<string, string | number>>} [params]
 */
export function t(key, params = {}) {
  /** @type {Entry | undefined} */
  const entry = STRINGS[lang][key] ?? STRINGS.en[key];
  if (entry === undefined) return '';
  let text;
  if (typeof entry === 'string') {
    text = entry;
  } else {
    const n = Number(params.n ?? 0);
    text = entry[plurals.select(n)] ?? entry.other ?? '';
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    const value = params[name];
    return typeof value === 'number' ? numbers.format(value) : String(value);
  });
}

/**
 * A date and time for people, from unix seconds: "Nov 22, 8:00 AM", with the
 * year only when it is not this year's.
 * @param {number} unixSecs
 */
export function formatDateTime(unixSecs) {
  const date = new Date(unixSecs * 1000);
  return (date.getFullYear() === new Date().getFullYear() ? dateTimesThisYear : dateTimes).format(date);
}

/** The time of day now, with seconds, for "Updated at …". */
export function formatTimeNow() {
  return times.format(new Date());
}

/**
 * Fills the markers under `root`: data-i18n → text, data-i18n-label →
 * aria-label.
 * @param {ParentNode} [root]
 */
export function localize(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}
