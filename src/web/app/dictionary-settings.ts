/**
 * The strings of "Mijn instellingen", the shared date fields and the bulk-execute preview, in Dutch
 * and English; dictionary.ts spreads them into its `nl` and `en`. `en` must have every key of `nl`.
 */
export const settingsNl = {
  'bulkExec.title': '{n} acties uitvoeren: wat er gebeurt',
  'bulkExec.intro':
    'Per actie staat hieronder wat uitvoeren doet. Vink uit wat niet mee moet; alleen de aangevinkte acties worden uitgevoerd.',
  'bulkExec.list': 'Wat elke actie doet',
  'bulkExec.confirm': '{n} aangevinkte acties nu uitvoeren',
  'bulkExec.email': 'Stuurt de e-mail “{subject}” aan {to}{cc}.',
  'bulkExec.cc': ' (cc {cc})',
  'bulkExec.task': 'Maakt de taak “{description}”, gepland {days} dagen na uitvoeren.',
  'bulkExec.dossier': 'Maakt een nieuw dossier: {type}.',
  'bulkExec.field': 'Zet {field} op {value}.',
  'bulkExec.status': 'Zet de status op {status}.',
  'bulkExec.webhook': 'Roept de webhook {url} aan.',
  'bulkExec.none': 'Een to-do: uitvoeren doet niets; meld hem gereed als het werk gedaan is.',
  'bulkExec.manual': 'Handmatige actie: niets uit te voeren. Doe het werk en meld hem gereed.',
  'bulkExec.notNow': 'Kan nu niet worden uitgevoerd (status: {status}).',
  'bulkExec.result.done': 'uitgevoerd.',
  'bulkExec.result.status': 'uitgevoerd; de actie is nu: {status}.',
  'bulkExec.result.failed': 'niet uitgevoerd:',
  'user.menu': 'Gebruikersmenu van {name}',
  'settings.title': 'Mijn instellingen',
  'settings.intro':
    'Instellingen voor jezelf, {name}: de taal van Werkflow, je dagelijks overzicht, je eigen API-tokens en je wachtwoord.',
  'settings.language': 'Taal',
  'settings.language.label': 'Taal van Werkflow',
  'settings.language.help':
    'Geldt meteen en wordt bij je gebruiker bewaard, dus ook in een andere browser. Datums typ je in het Nederlands als dd-mm-jjjj.',
  'settings.tokens': 'Mijn API-tokens',
  'settings.tokens.intro':
    'Met een API-token gebruikt een ander systeem of script de API namens jou, met hooguit jouw rechten. Het geheim zie je alleen direct na het maken; intrekken werkt meteen.',
  'settings.password': 'Wachtwoord wijzigen',
  'settings.password.rules': 'Een nieuw wachtwoord:',
  'settings.password.rule.length':
    'heeft minstens {n} tekens (een paar losse woorden achter elkaar is lang en goed te onthouden);',
  'settings.password.rule.personal': 'bevat niet je naam of je e-mailadres;',
  'settings.password.rule.common': 'is geen veelgebruikt wachtwoord en niet één of twee tekens herhaald;',
  'settings.password.rule.sessions': 'beëindigt je andere sessies; hier blijf je ingelogd.',
  'settings.password.current': 'Huidig wachtwoord',
  'settings.password.new': 'Nieuw wachtwoord',
  'settings.password.repeat': 'Nieuw wachtwoord herhalen',
  'settings.password.submit': 'Wachtwoord wijzigen',
  'settings.password.changed': 'Je wachtwoord is gewijzigd.',
  'settings.password.missing': 'Vul je huidige wachtwoord in.',
  'settings.password.wrong':
    'Het huidige wachtwoord klopt niet. Na te veel verkeerde pogingen wordt je account een kwartier geblokkeerd.',
  'settings.password.short': 'Dit wachtwoord heeft {length} tekens; gebruik er minstens {n}.',
  'settings.password.differs': 'De twee nieuwe wachtwoorden zijn niet gelijk.',
  'settings.password.token':
    'Met een API-token kun je je wachtwoord niet wijzigen; log in met je wachtwoord.',
  'date.day': 'Datum',
  'date.time': 'Tijd',
  'date.hours': 'Uren',
  'date.minutes': 'Minuten',
};

export const settingsEn: Record<keyof typeof settingsNl, string> = {
  'bulkExec.title': 'Execute {n} actions: what happens',
  'bulkExec.intro':
    'Below, for each action, what executing it does. Untick what should not go along; only the ticked actions are executed.',
  'bulkExec.list': 'What each action does',
  'bulkExec.confirm': 'Execute {n} ticked actions now',
  'bulkExec.email': 'Sends the e-mail “{subject}” to {to}{cc}.',
  'bulkExec.cc': ' (cc {cc})',
  'bulkExec.task': 'Creates the task “{description}”, planned {days} days after executing.',
  'bulkExec.dossier': 'Creates a new dossier: {type}.',
  'bulkExec.field': 'Sets {field} to {value}.',
  'bulkExec.status': 'Sets the status to {status}.',
  'bulkExec.webhook': 'Calls the webhook {url}.',
  'bulkExec.none': 'A to-do: executing does nothing; mark it done once the work is done.',
  'bulkExec.manual': 'Manual action: nothing to execute. Do the work and mark it done.',
  'bulkExec.notNow': 'Cannot be executed now (status: {status}).',
  'bulkExec.result.done': 'executed.',
  'bulkExec.result.status': 'executed; the action is now: {status}.',
  'bulkExec.result.failed': 'not executed:',
  'user.menu': 'User menu of {name}',
  'settings.title': 'My settings',
  'settings.intro':
    'Settings for yourself, {name}: the language of Werkflow, your daily digest, your own API tokens and your password.',
  'settings.language': 'Language',
  'settings.language.label': 'Language of Werkflow',
  'settings.language.help':
    'Applies at once and is saved on your user, so also in another browser. In English you type dates as dd/mm/yyyy.',
  'settings.tokens': 'My API tokens',
  'settings.tokens.intro':
    'An API token lets another system or a script use the API on your behalf, with at most your rights. You see its secret only right after making it; revoking works at once.',
  'settings.password': 'Change password',
  'settings.password.rules': 'A new password:',
  'settings.password.rule.length':
    'has at least {n} characters (a few unrelated words in a row are long and easy to remember);',
  'settings.password.rule.personal': 'does not contain your name or your e-mail address;',
  'settings.password.rule.common': 'is not a common password, nor one or two characters repeated;',
  'settings.password.rule.sessions': 'ends your other sessions; you stay signed in here.',
  'settings.password.current': 'Current password',
  'settings.password.new': 'New password',
  'settings.password.repeat': 'Repeat new password',
  'settings.password.submit': 'Change password',
  'settings.password.changed': 'Your password has been changed.',
  'settings.password.missing': 'Fill in your current password.',
  'settings.password.wrong':
    'The current password is wrong. After too many wrong attempts your account is locked for a quarter of an hour.',
  'settings.password.short': 'This password has {length} characters; use at least {n}.',
  'settings.password.differs': 'The two new passwords are not the same.',
  'settings.password.token': 'You cannot change your password with an API token; sign in with your password.',
  'date.day': 'Date',
  'date.time': 'Time',
  'date.hours': 'Hours',
  'date.minutes': 'Minutes',
};
