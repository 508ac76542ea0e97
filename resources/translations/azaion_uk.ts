<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="uk" sourcelanguage="en">
<context>
    <name>About</name>
    <message>
        <source>About Azaion Admin</source>
        <translation>Про Azaion Admin</translation>
    </message>
    <message>
        <source>Bundled parts and their licences</source>
        <translation>Вбудовані складові та їхні ліцензії</translation>
    </message>
    <message>
        <source>Cache folder</source>
        <translation>Тека кешу</translation>
    </message>
    <message>
        <source>Desktop client of the Azaion platform.</source>
        <translation>Настільний клієнт платформи Azaion.</translation>
    </message>
    <message>
        <source>Log folder</source>
        <translation>Тека журналу</translation>
    </message>
    <message>
        <source>Runtime</source>
        <translation>Середовище</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Сервер</translation>
    </message>
    <message>
        <source>Settings file</source>
        <translation>Файл налаштувань</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Версія</translation>
    </message>
</context>
<context>
    <name>Admin</name>
    <message>
        <source>Only an ApiAdmin can grant ApiAdmin</source>
        <translation>Лише API-адміністратор може надати роль API-адміністратора</translation>
    </message>
</context>
<context>
    <name>ArchiveDropZone</name>
    <message>
        <source>Drop the encrypted image archive here
(or anywhere on the window while this panel is shown)</source>
        <translation>Перетягніть сюди зашифрований архів образів
(або будь-куди у вікно, поки показано цю панель)</translation>
    </message>
</context>
<context>
    <name>ArchiveFetch</name>
    <message>
        <source>&amp;Fetch from server</source>
        <translation>&amp;Завантажити з сервера</translation>
    </message>
    <message>
        <source>Download this version&apos;s encrypted archive from the server into the cache</source>
        <translation>Завантажити зашифрований архів цієї версії з сервера в кеш</translation>
    </message>
    <message>
        <source>Fetch into the cache</source>
        <translation>Завантажити в кеш</translation>
    </message>
    <message>
        <source>Fetch into a folder…</source>
        <translation>Завантажити в теку…</translation>
    </message>
    <message>
        <source>Cancel fetch</source>
        <translation>Скасувати завантаження</translation>
    </message>
    <message>
        <source>Enter the version to fetch its archive from the server</source>
        <translation>Введіть версію, щоб завантажити її архів із сервера</translation>
    </message>
    <message>
        <source>Folder for the image archive</source>
        <translation>Тека для архіву образів</translation>
    </message>
    <message>
        <source>Azaion Admin — Replace file?</source>
        <translation>Azaion Admin — Замінити файл?</translation>
    </message>
    <message>
        <source>{0} already exists in {1}. Replace it with the archive from the server?</source>
        <translation>{0} вже є в {1}. Замінити його архівом із сервера?</translation>
    </message>
    <message>
        <source>Cannot fetch this version:</source>
        <translation>Неможливо завантажити цю версію:</translation>
    </message>
    <message>
        <source>Not fetched: {0} was kept</source>
        <translation>Не завантажено: {0} залишено як є</translation>
    </message>
    <message>
        <source>Fetching the archive of {0}…</source>
        <translation>Завантаження архіву {0}…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Скасування…</translation>
    </message>
    <message>
        <source>{0} of {1}</source>
        <translation>{0} з {1}</translation>
    </message>
    <message>
        <source>{0}/s, {1} left</source>
        <translation>{0}/с, залишилось {1}</translation>
    </message>
    <message>
        <source>Fetched the archive of {0} to {1}</source>
        <translation>Архів {0} завантажено в {1}</translation>
    </message>
    <message>
        <source>Image archive fetched</source>
        <translation>Архів образів завантажено</translation>
    </message>
    <message>
        <source>Fetch cancelled: nothing was saved</source>
        <translation>Завантаження скасовано: нічого не збережено</translation>
    </message>
    <message>
        <source>Could not fetch the archive of {0}:</source>
        <translation>Не вдалося завантажити архів {0}:</translation>
    </message>
    <message>
        <source>Image archive not fetched</source>
        <translation>Архів образів не завантажено</translation>
    </message>
</context>
<context>
    <name>ChangeRoleDialog</name>
    <message>
        <source>Azaion Admin — Change role</source>
        <translation>Azaion Admin — Зміна ролі</translation>
    </message>
    <message>
        <source>New &amp;role for {0}:</source>
        <translation>Нова &amp;роль для {0}:</translation>
    </message>
    <message>
        <source>&amp;Change role</source>
        <translation>&amp;Змінити роль</translation>
    </message>
</context>
<context>
    <name>ClearFolderDialog</name>
    <message>
        <source>Azaion Admin — Clear folder</source>
        <translation>Azaion Admin — Очищення теки</translation>
    </message>
    <message>
        <source>This deletes every file in the folder “{0}” on the server. Type {1} to confirm.</source>
        <translation>Буде видалено всі файли в теці «{0}» на сервері. Введіть {1}, щоб підтвердити.</translation>
    </message>
    <message>
        <source>Clear folder</source>
        <translation>Очистити теку</translation>
    </message>
</context>
<context>
    <name>ConflictAsker</name>
    <message>
        <source>Azaion Admin — File exists</source>
        <translation>Azaion Admin — файл існує</translation>
    </message>
    <message>
        <source>“{0}” already exists in {1}.</source>
        <translation>«{0}» уже є в {1}.</translation>
    </message>
    <message>
        <source>Replace it, keep both (the new one is saved as “{0}”) or skip it?</source>
        <translation>Замінити його, залишити обидва (новий буде збережено як «{0}») чи пропустити?</translation>
    </message>
    <message>
        <source>&amp;Replace</source>
        <translation>&amp;Замінити</translation>
    </message>
    <message>
        <source>&amp;Keep both</source>
        <translation>&amp;Залишити обидва</translation>
    </message>
    <message>
        <source>&amp;Skip</source>
        <translation>&amp;Пропустити</translation>
    </message>
    <message numerus="yes">
        <source>Do this for the other %n file(s) that exist</source>
        <translation>
            <numerusform>Зробити так само для ще %n наявного файлу</numerusform>
            <numerusform>Зробити так само для ще %n наявних файлів</numerusform>
            <numerusform>Зробити так само для ще %n наявних файлів</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>Azaion Admin — Unexpected error</source>
        <translation>Azaion Admin — Неочікувана помилка</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>Копіювати подробиці</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Відкрити теку журналу</translation>
    </message>
    <message>
        <source>Something went wrong inside the app. It keeps running, but the last action may not have finished. Please report the details (they are in the log too).</source>
        <translation>У застосунку сталася помилка. Він працює далі, але остання дія могла не завершитися. Будь ласка, повідомте подробиці (вони є і в журналі).</translation>
    </message>
</context>
<context>
    <name>CreateUserDialog</name>
    <message>
        <source>Azaion Admin — New user</source>
        <translation>Azaion Admin — Новий користувач</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>ім&apos;я@приклад.com</translation>
    </message>
    <message>
        <source>&amp;Show password</source>
        <translation>&amp;Показати пароль</translation>
    </message>
    <message>
        <source>&amp;Email</source>
        <translation>&amp;Ел. пошта</translation>
    </message>
    <message>
        <source>&amp;Password</source>
        <translation>П&amp;ароль</translation>
    </message>
    <message>
        <source>R&amp;epeat password</source>
        <translation>П&amp;овторіть пароль</translation>
    </message>
    <message>
        <source>&amp;Role</source>
        <translation>&amp;Роль</translation>
    </message>
    <message>
        <source>&amp;Create</source>
        <translation>&amp;Створити</translation>
    </message>
    <message>
        <source>Enter the new user&apos;s email address.</source>
        <translation>Введіть адресу електронної пошти нового користувача.</translation>
    </message>
    <message>
        <source>“{0}” is not an email address.</source>
        <translation>«{0}» — не адреса електронної пошти.</translation>
    </message>
    <message>
        <source>Enter a password for the new user.</source>
        <translation>Введіть пароль для нового користувача.</translation>
    </message>
    <message>
        <source>The passwords do not match.</source>
        <translation>Паролі не збігаються.</translation>
    </message>
    <message>
        <source>A password of at least {0} characters is safer.</source>
        <translation>Пароль щонайменше з {0} символів надійніший.</translation>
    </message>
</context>
<context>
    <name>DetailsButton</name>
    <message>
        <source>Details…</source>
        <translation>Подробиці…</translation>
    </message>
    <message>
        <source>Show the technical details of this error</source>
        <translation>Показати технічні подробиці цієї помилки</translation>
    </message>
    <message>
        <source>Azaion Admin — Error details</source>
        <translation>Azaion Admin — Подробиці помилки</translation>
    </message>
</context>
<context>
    <name>DropZone</name>
    <message>
        <source>Drop files or folders here
(or anywhere on the window)</source>
        <translation>Перетягніть сюди файли або теки
(або будь-куди у вікно)</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Wrong email or password.</source>
        <translation>Неправильна електронна пошта або пароль.</translation>
    </message>
    <message>
        <source>This account is disabled. Ask an administrator to enable it.</source>
        <translation>Цей обліковий запис вимкнено. Попросіть адміністратора ввімкнути його.</translation>
    </message>
    <message>
        <source>This account is bound to another machine. Ask an administrator to reset its hardware.</source>
        <translation>Цей обліковий запис прив&apos;язано до іншого комп&apos;ютера. Попросіть адміністратора скинути прив&apos;язку до обладнання.</translation>
    </message>
    <message>
        <source>A user with this email already exists.</source>
        <translation>Користувач із такою електронною поштою вже існує.</translation>
    </message>
    <message>
        <source>Unknown role.</source>
        <translation>Невідома роль.</translation>
    </message>
    <message>
        <source>You cannot delete, disable or demote your own account.</source>
        <translation>Не можна видалити, вимкнути або понизити роль власного облікового запису.</translation>
    </message>
    <message>
        <source>Only an ApiAdmin can change an ApiAdmin.</source>
        <translation>Змінювати ApiAdmin може лише ApiAdmin.</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Призупинено</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Скасовано</translation>
    </message>
    <message>
        <source>Cannot reach the server</source>
        <translation>Не вдається з&apos;єднатися із сервером</translation>
    </message>
    <message>
        <source>Permission denied: your role may not do this</source>
        <translation>Доступ заборонено: ваша роль не дозволяє цієї дії</translation>
    </message>
    <message>
        <source>Authentication failed: log in again</source>
        <translation>Помилка автентифікації: увійдіть знову</translation>
    </message>
    <message>
        <source>Not found</source>
        <translation>Не знайдено</translation>
    </message>
    <message>
        <source>The data is corrupt or was changed (integrity check failed)</source>
        <translation>Дані пошкоджено або змінено (перевірка цілісності не пройшла)</translation>
    </message>
    <message>
        <source>Server error</source>
        <translation>Помилка сервера</translation>
    </message>
    <message>
        <source>Invalid configuration</source>
        <translation>Неправильна конфігурація</translation>
    </message>
    <message>
        <source>Unexpected answer from the server</source>
        <translation>Неочікувана відповідь сервера</translation>
    </message>
    <message>
        <source>Invalid name</source>
        <translation>Неприпустима назва</translation>
    </message>
    <message>
        <source>The system keyring is not available</source>
        <translation>Системне сховище паролів недоступне</translation>
    </message>
    <message>
        <source>Docker (or podman) was not found</source>
        <translation>Docker (або podman) не знайдено</translation>
    </message>
    <message>
        <source>Docker (or podman) failed</source>
        <translation>Помилка Docker (або podman)</translation>
    </message>
    <message>
        <source>The disk is full</source>
        <translation>Диск заповнено</translation>
    </message>
    <message>
        <source>Access denied to a local file or folder</source>
        <translation>Немає доступу до локального файлу або теки</translation>
    </message>
    <message>
        <source>Local file or folder not found</source>
        <translation>Локальний файл або теку не знайдено</translation>
    </message>
    <message>
        <source>Local file error</source>
        <translation>Помилка локального файлу</translation>
    </message>
    <message>
        <source>No usable system keyring: the password is kept in memory for this session only</source>
        <translation>Немає придатного системного сховища паролів: пароль зберігається в пам&apos;яті лише до кінця цього сеансу</translation>
    </message>
    <message>
        <source>The settings file could not be read: defaults are used, nothing is saved until it is fixed or removed</source>
        <translation>Не вдалося прочитати файл налаштувань: використано типові налаштування; нічого не зберігатиметься, доки файл не виправлено або не видалено</translation>
    </message>
    <message>
        <source>Cannot get through the proxy. Check its host and port in Settings (Network), or clear them to use the system&apos;s proxy.</source>
        <translation>Не вдається пройти через проксі. Перевірте його адресу й порт у Налаштуваннях (Мережа) або очистьте їх, щоб використовувати системний проксі.</translation>
    </message>
    <message>
        <source>Cannot reach the server. Check the server address and the network connection, then try again.</source>
        <translation>Не вдається зв&apos;язатися із сервером. Перевірте адресу сервера й мережеве з&apos;єднання, потім спробуйте ще раз.</translation>
    </message>
    <message>
        <source>Your role may not do this. Ask an administrator if you need it.</source>
        <translation>Ваша роль не дозволяє цього. Якщо це потрібно, зверніться до адміністратора.</translation>
    </message>
    <message>
        <source>The server no longer accepts this session. Log out and log in again.</source>
        <translation>Сервер більше не приймає цей сеанс. Вийдіть і увійдіть знову.</translation>
    </message>
    <message>
        <source>The server does not have it. Refresh the list and try again.</source>
        <translation>На сервері цього немає. Оновіть список і спробуйте ще раз.</translation>
    </message>
    <message>
        <source>The server could not complete the request. Try again later; if it keeps failing, tell its administrator.</source>
        <translation>Сервер не зміг виконати запит. Спробуйте пізніше; якщо помилка повторюється, повідомте його адміністратора.</translation>
    </message>
    <message>
        <source>The server&apos;s answer was not understood. Check that the address is an Azaion server.</source>
        <translation>Відповідь сервера незрозуміла. Перевірте, що за цією адресою сервер Azaion.</translation>
    </message>
    <message>
        <source>The data failed its integrity check and was not kept. Try again.</source>
        <translation>Дані не пройшли перевірку цілісності й не збережені. Спробуйте ще раз.</translation>
    </message>
    <message>
        <source>Something went wrong. The details are in the log; please report them.</source>
        <translation>Щось пішло не так. Подробиці в журналі; будь ласка, повідомте про них.</translation>
    </message>
    <message>
        <source>The server refused the request</source>
        <translation>Сервер відхилив запит</translation>
    </message>
</context>
<context>
    <name>FinishedWork</name>
    <message>
        <source>{0} failed</source>
        <translation>{0} не вдалося</translation>
    </message>
    <message>
        <source>{0} finished</source>
        <translation>{0} завершено</translation>
    </message>
    <message numerus="yes">
        <source>%n of {0} transfers failed</source>
        <translation>
            <numerusform>Не вдалося: %n з {0} передавань</numerusform>
            <numerusform>Не вдалося: %n з {0} передавань</numerusform>
            <numerusform>Не вдалося: %n з {0} передавань</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) finished</source>
        <translation>
            <numerusform>%n передавання завершено</numerusform>
            <numerusform>%n передавання завершено</numerusform>
            <numerusform>%n передавань завершено</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>і ще %n</numerusform>
            <numerusform>і ще %n</numerusform>
            <numerusform>і ще %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HardwarePanel</name>
    <message>
        <source>Only users whose email contains…</source>
        <translation>Лише користувачі, чия ел. пошта містить…</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Оновити</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Інші</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Невідомо</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>Процесор</translation>
    </message>
    <message>
        <source>GPU</source>
        <translation>Відеокарта</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>Пам&apos;ять</translation>
    </message>
    <message>
        <source>Users in the selected slice</source>
        <translation>Користувачі вибраного сектора</translation>
    </message>
    <message>
        <source>Click a slice, or choose it here, to list its users.</source>
        <translation>Клацніть сектор або виберіть його тут, щоб побачити його користувачів.</translation>
    </message>
    <message>
        <source>Hardware</source>
        <translation>Обладнання</translation>
    </message>
    <message>
        <source>Only administrators see the users&apos; hardware</source>
        <translation>Обладнання користувачів бачать лише адміністратори</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Завантаження…</translation>
    </message>
    <message>
        <source>Could not load the users: {0}</source>
        <translation>Не вдалося завантажити користувачів: {0}</translation>
    </message>
    <message>
        <source>{0} — no bound machines</source>
        <translation>{0} — немає прив&apos;язаних комп&apos;ютерів</translation>
    </message>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%n користувач</numerusform>
            <numerusform>%n користувачі</numerusform>
            <numerusform>%n користувачів</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n with a bound machine</source>
        <translation>
            <numerusform>%n з прив&apos;язаним комп&apos;ютером</numerusform>
            <numerusform>%n з прив&apos;язаним комп&apos;ютером</numerusform>
            <numerusform>%n з прив&apos;язаним комп&apos;ютером</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n not bound yet (not in the charts)</source>
        <translation>
            <numerusform>%n ще не прив&apos;язаний (немає на діаграмах)</numerusform>
            <numerusform>%n ще не прив&apos;язані (немає на діаграмах)</numerusform>
            <numerusform>%n ще не прив&apos;язаних (немає на діаграмах)</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose a slice…</source>
        <translation>Виберіть сектор…</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}: {1}</translation>
    </message>
</context>
<context>
    <name>ImageLockBox</name>
    <message>
        <source>Encrypt images into an archive and publish its key fragment for the version</source>
        <translation>Зашифрувати образи в архів і опублікувати фрагмент його ключа для версії</translation>
    </message>
    <message>
        <source>Checked images go into the archive; double-click a name to edit it</source>
        <translation>Позначені образи потраплять до архіву; двічі клацніть назву, щоб змінити її</translation>
    </message>
    <message>
        <source>Another image, e.g. registry/name:tag</source>
        <translation>Інший образ, напр. registry/name:tag</translation>
    </message>
    <message>
        <source>A&amp;dd image</source>
        <translation>&amp;Додати образ</translation>
    </message>
    <message>
        <source>Where to write the encrypted archive</source>
        <translation>Куди записати зашифрований архів</translation>
    </message>
    <message>
        <source>Sa&amp;ve as…</source>
        <translation>&amp;Зберегти як…</translation>
    </message>
    <message>
        <source>L&amp;ock</source>
        <translation>Заблок&amp;увати</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Образи</translation>
    </message>
    <message>
        <source>Output file</source>
        <translation>Вихідний файл</translation>
    </message>
    <message>
        <source>Encrypt the checked images into the archive and publish its key fragment</source>
        <translation>Зашифрувати позначені образи в архів і опублікувати фрагмент його ключа</translation>
    </message>
    <message numerus="yes">
        <source>Locking %n image(s) into {0}…</source>
        <translation>
            <numerusform>Блокування %n образу в {0}…</numerusform>
            <numerusform>Блокування %n образів у {0}…</numerusform>
            <numerusform>Блокування %n образів у {0}…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Locked %n image(s) into {0}; key fragment published for {1}</source>
        <translation>
            <numerusform>%n образ заблоковано в {0}; фрагмент ключа опубліковано для {1}</numerusform>
            <numerusform>%n образи заблоковано в {0}; фрагмент ключа опубліковано для {1}</numerusform>
            <numerusform>%n образів заблоковано в {0}; фрагмент ключа опубліковано для {1}</numerusform>
        </translation>
    </message>
    <message>
        <source>Enter the version and check at least one image to lock.</source>
        <translation>Введіть версію та позначте принаймні один образ для блокування.</translation>
    </message>
    <message>
        <source>Lock: {0}: {1} — no archive written, no fragment published</source>
        <translation>Блокування: {0}: {1} — архів не записано, фрагмент не опубліковано</translation>
    </message>
    <message>
        <source>Only administrators may lock (publish) image archives</source>
        <translation>Блокувати (публікувати) архіви образів можуть лише адміністратори</translation>
    </message>
    <message>
        <source>Save the encrypted archive</source>
        <translation>Зберегти зашифрований архів</translation>
    </message>
</context>
<context>
    <name>ImageVersionsBox</name>
    <message>
        <source>Image versions on this computer</source>
        <translation>Версії образів на цьому комп’ютері</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Версія</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>Сервіси</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Розмір</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>Використовується</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Оновити</translation>
    </message>
    <message>
        <source>Remove version…</source>
        <translation>Видалити версію…</translation>
    </message>
    <message>
        <source>Keep the last </source>
        <translation>Залишити останні </translation>
    </message>
    <message>
        <source>Remove older…</source>
        <translation>Видалити старіші…</translation>
    </message>
    <message>
        <source>complete ({0}/{1})</source>
        <translation>повна ({0}/{1})</translation>
    </message>
    <message>
        <source>{0}/{1}, missing: {2}</source>
        <translation>{0}/{1}, бракує: {2}</translation>
    </message>
    <message>
        <source>yes, running</source>
        <translation>так, запущений</translation>
    </message>
    <message>
        <source>yes, stopped container</source>
        <translation>так, зупинений контейнер</translation>
    </message>
    <message numerus="yes">
        <source>%n version(s), {0} of images</source>
        <translation>
            <numerusform>%n версія, {0} образів</numerusform>
            <numerusform>%n версії, {0} образів</numerusform>
            <numerusform>%n версій, {0} образів</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not read the image versions: {0}</source>
        <translation>Не вдалося прочитати версії образів: {0}</translation>
    </message>
    <message>
        <source>Remove image version</source>
        <translation>Видалити версію образів</translation>
    </message>
    <message>
        <source>Remove the images of version {0} ({1}) from this computer?</source>
        <translation>Видалити образи версії {0} ({1}) з цього комп’ютера?</translation>
    </message>
    <message>
        <source>Removing version {0}…</source>
        <translation>Видалення версії {0}…</translation>
    </message>
    <message>
        <source>Nothing to remove.</source>
        <translation>Нічого видаляти.</translation>
    </message>
    <message numerus="yes">
        <source>Remove the images of %n version(s): {0}?</source>
        <translation>
            <numerusform>Видалити образи %n версії: {0}?</numerusform>
            <numerusform>Видалити образи %n версій: {0}?</numerusform>
            <numerusform>Видалити образи %n версій: {0}?</numerusform>
        </translation>
    </message>
    <message>
        <source>Keep the last {0} versions</source>
        <translation>Залишити останні версії: {0}</translation>
    </message>
    <message>
        <source>Nothing was removed.</source>
        <translation>Нічого не видалено.</translation>
    </message>
    <message numerus="yes">
        <source>Removing %n version(s)…</source>
        <translation>
            <numerusform>Видалення %n версії…</numerusform>
            <numerusform>Видалення %n версій…</numerusform>
            <numerusform>Видалення %n версій…</numerusform>
        </translation>
    </message>
    <message>
        <source>Kept {0}: {1}</source>
        <translation>Залишено {0}: {1}</translation>
    </message>
    <message numerus="yes">
        <source>Removed %n version(s): {0} (up to {1} freed).</source>
        <translation>
            <numerusform>Видалено %n версію: {0} (звільнено до {1}).</numerusform>
            <numerusform>Видалено %n версії: {0} (звільнено до {1}).</numerusform>
            <numerusform>Видалено %n версій: {0} (звільнено до {1}).</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not remove {0}: {1}</source>
        <translation>Не вдалося видалити {0}: {1}</translation>
    </message>
</context>
<context>
    <name>KeepUpToDateDialog</name>
    <message>
        <source>Keep {0} up to date</source>
        <translation>Підтримувати {0} в актуальному стані</translation>
    </message>
    <message>
        <source>&amp;Keep this folder up to date on this computer</source>
        <translation>&amp;Підтримувати цю теку в актуальному стані на цьому комп&apos;ютері</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Огляд…</translation>
    </message>
    <message>
        <source> min</source>
        <translation> хв</translation>
    </message>
    <message>
        <source>Local &amp;folder</source>
        <translation>Локальна &amp;тека</translation>
    </message>
    <message>
        <source>&amp;Every</source>
        <translation>&amp;Кожні</translation>
    </message>
    <message>
        <source>New and changed resources are downloaded; files you change there are never overwritten.</source>
        <translation>Нові та змінені ресурси завантажуються; змінені вами файли там ніколи не перезаписуються.</translation>
    </message>
    <message>
        <source>Local folder</source>
        <translation>Локальна тека</translation>
    </message>
</context>
<context>
    <name>LogPanel</name>
    <message>
        <source>Debug</source>
        <translation>Налагодження</translation>
    </message>
    <message>
        <source>Info</source>
        <translation>Інформація</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Попередження</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Помилка</translation>
    </message>
    <message>
        <source>&amp;Open log folder</source>
        <translation>&amp;Відкрити теку журналу</translation>
    </message>
    <message>
        <source>&amp;Level</source>
        <translation>&amp;Рівень</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Журнал</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Azaion Admin — Log in</source>
        <translation>Azaion Admin — Вхід</translation>
    </message>
    <message>
        <source>SANDBOX</source>
        <translation>ПІСОЧНИЦЯ</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>ім&apos;я@приклад.com</translation>
    </message>
    <message>
        <source>Remember me on this computer</source>
        <translation>Запам&apos;ятати мене на цьому комп&apos;ютері</translation>
    </message>
    <message>
        <source>Keep the password in the system keyring</source>
        <translation>Зберігати пароль у системному сховищі ключів</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Сервер</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Ел. пошта</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Пароль</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>Увійти</translation>
    </message>
    <message>
        <source>SANDBOX — a local practice server; data is not kept</source>
        <translation>ПІСОЧНИЦЯ — локальний навчальний сервер; дані не зберігаються</translation>
    </message>
    <message>
        <source>(not running)</source>
        <translation>(не запущено)</translation>
    </message>
    <message>
        <source>Custom URL…</source>
        <translation>Власна URL-адреса…</translation>
    </message>
    <message>
        <source>Enter the server URL (for the sandbox, start the app with --sandbox).</source>
        <translation>Введіть URL-адресу сервера (для пісочниці запустіть програму з --sandbox).</translation>
    </message>
    <message>
        <source>Enter your email address.</source>
        <translation>Введіть адресу своєї електронної пошти.</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>Введіть свій пароль.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n interrupted transfer(s) restored as paused: resume or discard them in Transfers</source>
        <translation>
            <numerusform>%n перерване передавання відновлено як призупинене: продовжте або відкиньте його в «Передаваннях»</numerusform>
            <numerusform>%n перервані передавання відновлено як призупинені: продовжте або відкиньте їх у «Передаваннях»</numerusform>
            <numerusform>%n перерваних передавань відновлено як призупинені: продовжте або відкиньте їх у «Передаваннях»</numerusform>
        </translation>
    </message>
    <message>
        <source>Panels</source>
        <translation>Панелі</translation>
    </message>
    <message>
        <source>Dismiss this message</source>
        <translation>Закрити це повідомлення</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Налаштування…</translation>
    </message>
    <message>
        <source>Log &amp;out</source>
        <translation>&amp;Вийти з облікового запису</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Ви&amp;йти</translation>
    </message>
    <message>
        <source>&amp;Actions</source>
        <translation>&amp;Дії</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Оновити</translation>
    </message>
    <message>
        <source>&amp;Upload files…</source>
        <translation>&amp;Вивантажити файли…</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>&amp;Пошук</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Вигляд</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Довідка</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>&amp;Клавіатурні скорочення</translation>
    </message>
    <message>
        <source>&amp;About Azaion Admin</source>
        <translation>&amp;Про Azaion Admin</translation>
    </message>
    <message>
        <source>Tab / Shift+Tab	move between controls; Menu key: context menu</source>
        <translation>Tab / Shift+Tab	перехід між елементами; клавіша Menu: контекстне меню</translation>
    </message>
    <message>
        <source>Azaion Admin — Keyboard shortcuts</source>
        <translation>Azaion Admin — Клавіатурні скорочення</translation>
    </message>
    <message>
        <source>SANDBOX</source>
        <translation>ПІСОЧНИЦЯ</translation>
    </message>
    <message>
        <source>Your account has no role (None), so it may not use any panel. Ask an administrator to give it a role, then log in again.</source>
        <translation>Ваш обліковий запис не має ролі (None), тому жодна панель недоступна. Попросіть адміністратора призначити роль, потім увійдіть знову.</translation>
    </message>
    <message>
        <source>This panel has no search field</source>
        <translation>На цій панелі немає поля пошуку</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Під&apos;єднано</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Немає з&apos;єднання</translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) paused</source>
        <translation>
            <numerusform>%n передавання призупинено</numerusform>
            <numerusform>%n передавання призупинено</numerusform>
            <numerusform>%n передавань призупинено</numerusform>
        </translation>
    </message>
    <message>
        <source>The language changes when the running work has finished</source>
        <translation>Мову буде змінено, щойно завершиться поточна робота</translation>
    </message>
    <message>
        <source>Azaion Admin — Work in progress</source>
        <translation>Azaion Admin — Робота триває</translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) are still running or queued. Stop them and continue? Uploads and downloads are paused and can be resumed after the next login; other work is cancelled.</source>
        <translation>
            <numerusform>%n передавання ще виконується або в черзі. Зупинити й продовжити? Вивантаження й завантаження буде призупинено, їх можна продовжити після наступного входу; іншу роботу буде скасовано.</numerusform>
            <numerusform>%n передавання ще виконуються або в черзі. Зупинити їх і продовжити? Вивантаження й завантаження буде призупинено, їх можна продовжити після наступного входу; іншу роботу буде скасовано.</numerusform>
            <numerusform>%n передавань ще виконуються або в черзі. Зупинити їх і продовжити? Вивантаження й завантаження буде призупинено, їх можна продовжити після наступного входу; іншу роботу буде скасовано.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Profiles</name>
    <message>
        <source>Production</source>
        <translation>Робочий</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Тестовий</translation>
    </message>
    <message>
        <source>Sandbox</source>
        <translation>Пісочниця</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Власний</translation>
    </message>
</context>
<context>
    <name>Resources</name>
    <message>
        <source>Cached locally</source>
        <translation>У локальному кеші</translation>
    </message>
    <message>
        <source>Modified</source>
        <translation>Змінено</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Назва</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Розмір</translation>
    </message>
    <message>
        <source>file</source>
        <translation>файл</translation>
    </message>
    <message>
        <source>no</source>
        <translation>ні</translation>
    </message>
    <message>
        <source>resource</source>
        <translation>ресурс</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>так</translation>
    </message>
</context>
<context>
    <name>ResourcesPanel</name>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Оновити</translation>
    </message>
    <message>
        <source>Filter by name…</source>
        <translation>Фільтр за назвою…</translation>
    </message>
    <message>
        <source>&amp;Download…</source>
        <translation>&amp;Завантажити…</translation>
    </message>
    <message>
        <source>C&amp;lear folder…</source>
        <translation>О&amp;чистити теку…</translation>
    </message>
    <message>
        <source>F&amp;older</source>
        <translation>Т&amp;ека</translation>
    </message>
    <message>
        <source>Resources</source>
        <translation>Ресурси</translation>
    </message>
    <message>
        <source>Clear every file in this folder</source>
        <translation>Видалити всі файли в цій теці</translation>
    </message>
    <message>
        <source>Only resource uploaders and administrators may clear folders</source>
        <translation>Очищати теки можуть лише завантажувачі ресурсів та адміністратори</translation>
    </message>
    <message>
        <source>Loading {0}…</source>
        <translation>Завантаження {0}…</translation>
    </message>
    <message>
        <source>Could not list {0}:</source>
        <translation>Не вдалося отримати список {0}:</translation>
    </message>
    <message>
        <source>Could not clear {0}:</source>
        <translation>Не вдалося очистити {0}:</translation>
    </message>
    <message numerus="yes">
        <source>{0}: %n item(s)</source>
        <translation>
            <numerusform>{0}: %n елемент</numerusform>
            <numerusform>{0}: %n елементи</numerusform>
            <numerusform>{0}: %n елементів</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{0}: {1} of %n item(s)</source>
        <translation>
            <numerusform>{0}: {1} з %n елемента</numerusform>
            <numerusform>{0}: {1} з %n елементів</numerusform>
            <numerusform>{0}: {1} з %n елементів</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n download(s)</source>
        <translation>
            <numerusform>У черзі %n завантаження</numerusform>
            <numerusform>У черзі %n завантаження</numerusform>
            <numerusform>У черзі %n завантажень</numerusform>
        </translation>
    </message>
    <message>
        <source>Download to</source>
        <translation>Завантажити до</translation>
    </message>
    <message>
        <source>Select one or more resources to download.</source>
        <translation>Виберіть один або кілька ресурсів для завантаження.</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>No role</source>
        <translation>Немає</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Оператор</translation>
    </message>
    <message>
        <source>Validator</source>
        <translation>Валідатор</translation>
    </message>
    <message>
        <source>Companion PC</source>
        <translation>Компаньйон-ПК</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>Адміністратор</translation>
    </message>
    <message>
        <source>Resource uploader</source>
        <translation>Завантажувач ресурсів</translation>
    </message>
    <message>
        <source>API administrator</source>
        <translation>API-адміністратор</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Azaion Admin — Settings</source>
        <translation>Azaion Admin — Налаштування</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Ідентифікатор</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Назва</translation>
    </message>
    <message>
        <source>API URL</source>
        <translation>URL-адреса API</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Додати</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Вилучити</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Власний</translation>
    </message>
    <message>
        <source>Servers</source>
        <translation>Сервери</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Огляд…</translation>
    </message>
    <message>
        <source>Clear cache</source>
        <translation>Очистити кеш</translation>
    </message>
    <message>
        <source>Keep downloaded resources in the cache</source>
        <translation>Зберігати завантажені ресурси в кеші</translation>
    </message>
    <message>
        <source>On: an unchanged resource downloads again without the CDN, also offline, and an interrupted download resumes after a restart. Off: each download is written once, to its output only, and nothing is kept in the cache folder.</source>
        <translation>Увімкнено: незмінений ресурс завантажується повторно без CDN, також офлайн, а перерване завантаження продовжується після перезапуску. Вимкнено: кожне завантаження записується один раз, лише у вихідний файл, і в теці кешу нічого не зберігається.</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Як у системі</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Світла</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Темна</translation>
    </message>
    <message>
        <source>Cache folder</source>
        <translation>Тека кешу</translation>
    </message>
    <message>
        <source>Transfers at once</source>
        <translation>Одночасних передавань</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Мова</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Мережа</translation>
    </message>
    <message>
        <source>off, or e.g. 2M, 512k</source>
        <translation>off (без обмеження) або, напр., 2M, 512k</translation>
    </message>
    <message>
        <source>optional, e.g. 08:00,1M 18:00,off (replaces the cap)</source>
        <translation>необов’язково, напр. 08:00,1M 18:00,off (замінює обмеження)</translation>
    </message>
    <message>
        <source>empty: the system&apos;s proxy, if any</source>
        <translation>порожньо: системний проксі, якщо є</translation>
    </message>
    <message>
        <source>kept in the system keyring; empty: keep the stored one</source>
        <translation>зберігається в системному сховищі паролів; порожньо: залишити збережений</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>Перевірити з’єднання</translation>
    </message>
    <message>
        <source>Bandwidth cap</source>
        <translation>Обмеження швидкості</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Розклад</translation>
    </message>
    <message>
        <source>Proxy host</source>
        <translation>Адреса проксі</translation>
    </message>
    <message>
        <source>Proxy port</source>
        <translation>Порт проксі</translation>
    </message>
    <message>
        <source>Proxy user</source>
        <translation>Користувач проксі</translation>
    </message>
    <message>
        <source>Proxy password</source>
        <translation>Пароль проксі</translation>
    </message>
    <message>
        <source>The current profile has no API URL to test with</source>
        <translation>Поточний профіль не має адреси API для перевірки</translation>
    </message>
    <message>
        <source>Testing the connection to {0}…</source>
        <translation>Перевірка з’єднання з {0}…</translation>
    </message>
    <message>
        <source>OK: {0}</source>
        <translation>Гаразд: {0}</translation>
    </message>
    <message>
        <source>Failed: {0}</source>
        <translation>Не вдалося: {0}</translation>
    </message>
    <message numerus="yes">
        <source>%n paused or failed transfer(s) keep their partial data in the cache: it is deleted too, so they will start again from the beginning when resumed or retried.</source>
        <translation>
            <numerusform>%n призупинене або невдале передавання зберігає часткові дані в кеші: їх теж буде видалено, тож воно почнеться спочатку, коли його продовжать або повторять.</numerusform>
            <numerusform>%n призупинені або невдалі передавання зберігають часткові дані в кеші: їх теж буде видалено, тож вони почнуться спочатку, коли їх продовжать або повторять.</numerusform>
            <numerusform>%n призупинених або невдалих передавань зберігають часткові дані в кеші: їх теж буде видалено, тож вони почнуться спочатку, коли їх продовжать або повторять.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The cache cannot be cleared while %n transfer(s) are running or queued: wait for them or cancel them in Transfers first.</source>
        <translation>
            <numerusform>Кеш не можна очистити, поки %n передавання виконується або в черзі: дочекайтеся його або скасуйте в «Передаваннях».</numerusform>
            <numerusform>Кеш не можна очистити, поки %n передавання виконуються або в черзі: дочекайтеся їх або скасуйте в «Передаваннях».</numerusform>
            <numerusform>Кеш не можна очистити, поки %n передавань виконуються або в черзі: дочекайтеся їх або скасуйте в «Передаваннях».</numerusform>
        </translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Тема</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Загальні</translation>
    </message>
    <message>
        <source>Docker command</source>
        <translation>Команда Docker</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>Сервіси</translation>
    </message>
    <message>
        <source>Image prefix</source>
        <translation>Префікс образів</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Образи</translation>
    </message>
    <message>
        <source>Measuring the cache in {0}…</source>
        <translation>Вимірювання кешу в {0}…</translation>
    </message>
    <message>
        <source>Cannot measure the cache in {0}: {1}</source>
        <translation>Не вдалося виміряти кеш у {0}: {1}</translation>
    </message>
    <message>
        <source>{0} in {1}</source>
        <translation>{0} у {1}</translation>
    </message>
    <message>
        <source>Azaion Admin — Clear cache</source>
        <translation>Azaion Admin — Очищення кешу</translation>
    </message>
    <message>
        <source>Delete {0} of cached downloads in {1}? They will be downloaded again when needed.</source>
        <translation>Видалити {0} кешованих завантажень у {1}? За потреби їх буде завантажено знову.</translation>
    </message>
    <message>
        <source>The cache is still being measured; try again in a moment.</source>
        <translation>Кеш ще вимірюється; спробуйте за мить.</translation>
    </message>
    <message>
        <source>Clearing the cache in {0}…</source>
        <translation>Очищення кешу в {0}…</translation>
    </message>
    <message>
        <source>waiting for the cache to be cleared</source>
        <translation>очікує на очищення кешу</translation>
    </message>
    <message>
        <source>Could not clear the cache: {0}</source>
        <translation>Не вдалося очистити кеш: {0}</translation>
    </message>
    <message>
        <source>Profile ids must be unique and not empty</source>
        <translation>Ідентифікатори профілів мають бути унікальними й непорожніми</translation>
    </message>
    <message>
        <source>Profile {0}: the API URL must be http(s)://host</source>
        <translation>Профіль {0}: URL-адреса API має бути http(s)://вузол</translation>
    </message>
    <message>
        <source>The current profile cannot be removed</source>
        <translation>Поточний профіль не можна вилучити</translation>
    </message>
</context>
<context>
    <name>SuiteBox</name>
    <message>
        <source>Refresh</source>
        <translation>Оновити</translation>
    </message>
    <message>
        <source>Download installer…</source>
        <translation>Завантажити інсталятор…</translation>
    </message>
    <message>
        <source>Download…</source>
        <translation>Завантажити…</translation>
    </message>
    <message>
        <source>Upload…</source>
        <translation>Вивантажити…</translation>
    </message>
    <message>
        <source>Clear…</source>
        <translation>Очистити…</translation>
    </message>
    <message>
        <source>Only resource uploaders and administrators may change the suites</source>
        <translation>Змінювати набори можуть лише завантажувачі ресурсів та адміністратори</translation>
    </message>
    <message>
        <source>Loading {0}…</source>
        <translation>Завантаження {0}…</translation>
    </message>
    <message numerus="yes">
        <source>{0}: %n item(s)</source>
        <translation>
            <numerusform>{0}: %n елемент</numerusform>
            <numerusform>{0}: %n елементи</numerusform>
            <numerusform>{0}: %n елементів</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not list {0}: {1}</source>
        <translation>Не вдалося отримати вміст {0}: {1}</translation>
    </message>
    <message>
        <source>Could not clear {0}: {1}</source>
        <translation>Не вдалося очистити {0}: {1}</translation>
    </message>
    <message>
        <source>Save the installer in</source>
        <translation>Зберегти інсталятор у</translation>
    </message>
    <message>
        <source>Stage installer</source>
        <translation>Тестовий інсталятор (stage)</translation>
    </message>
    <message>
        <source>Production installer</source>
        <translation>Робочий інсталятор (production)</translation>
    </message>
    <message>
        <source>stage installer → {0}</source>
        <translation>тестовий інсталятор → {0}</translation>
    </message>
    <message>
        <source>production installer → {0}</source>
        <translation>робочий інсталятор → {0}</translation>
    </message>
    <message>
        <source>Downloading the stage installer…</source>
        <translation>Завантаження тестового інсталятора…</translation>
    </message>
    <message>
        <source>Downloading the production installer…</source>
        <translation>Завантаження робочого інсталятора…</translation>
    </message>
    <message>
        <source>Select the files to download.</source>
        <translation>Виберіть файли для завантаження.</translation>
    </message>
    <message>
        <source>Download to</source>
        <translation>Завантажити до</translation>
    </message>
    <message>
        <source>Upload to {0}</source>
        <translation>Вивантажити до {0}</translation>
    </message>
    <message numerus="yes">
        <source>Queued %n upload(s)</source>
        <translation>
            <numerusform>У черзі %n вивантаження</numerusform>
            <numerusform>У черзі %n вивантаження</numerusform>
            <numerusform>У черзі %n вивантажень</numerusform>
        </translation>
    </message>
    <message>
        <source>Cleared {0}</source>
        <translation>Очищено {0}</translation>
    </message>
</context>
<context>
    <name>SuitesPanel</name>
    <message>
        <source>Production ({0})</source>
        <translation>Робочий ({0})</translation>
    </message>
    <message>
        <source>Stage ({0})</source>
        <translation>Тестовий ({0})</translation>
    </message>
    <message>
        <source>&amp;Refresh both</source>
        <translation>&amp;Оновити обидва</translation>
    </message>
    <message>
        <source>The platform suites and their installers, production and stage side by side.</source>
        <translation>Набори платформи та їхні інсталятори: робочий і тестовий поруч.</translation>
    </message>
    <message>
        <source>Suites</source>
        <translation>Набори</translation>
    </message>
    <message>
        <source>Saved {0} ({1}) in {2}</source>
        <translation>Збережено {0} ({1}) у {2}</translation>
    </message>
    <message>
        <source>Installer download failed: {0}</source>
        <translation>Не вдалося завантажити інсталятор: {0}</translation>
    </message>
    <message>
        <source>Installer download cancelled</source>
        <translation>Завантаження інсталятора скасовано</translation>
    </message>
</context>
<context>
    <name>SyncScheduler</name>
    <message>
        <source>the window was closed</source>
        <translation>вікно закрито</translation>
    </message>
    <message>
        <source>Keep up to date: {0}</source>
        <translation>Актуалізація: {0}</translation>
    </message>
    <message numerus="yes">
        <source>%n new</source>
        <translation>
            <numerusform>%n новий</numerusform>
            <numerusform>%n нові</numerusform>
            <numerusform>%n нових</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n deleted</source>
        <translation>
            <numerusform>%n видалено</numerusform>
            <numerusform>%n видалено</numerusform>
            <numerusform>%n видалено</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n kept (changed locally)</source>
        <translation>
            <numerusform>%n залишено (змінено локально)</numerusform>
            <numerusform>%n залишено (змінено локально)</numerusform>
            <numerusform>%n залишено (змінено локально)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n not synced</source>
        <translation>
            <numerusform>%n не синхронізовано</numerusform>
            <numerusform>%n не синхронізовано</numerusform>
            <numerusform>%n не синхронізовано</numerusform>
        </translation>
    </message>
    <message>
        <source>{0}; next sync at {1}</source>
        <translation>{0}; наступна синхронізація о {1}</translation>
    </message>
    <message>
        <source>New in {0}: {1}</source>
        <translation>Нове в {0}: {1}</translation>
    </message>
    <message>
        <source>{0}; next try at {1}</source>
        <translation>{0}; наступна спроба о {1}</translation>
    </message>
</context>
<context>
    <name>TransferQueue</name>
    <message>
        <source>Cancelled</source>
        <translation>Скасовано</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Призупинено</translation>
    </message>
    <message>
        <source>Interrupted; resume or discard</source>
        <translation>Перервано; відновіть або відкиньте</translation>
    </message>
</context>
<context>
    <name>Transfers</name>
    <message>
        <source>Cancelled</source>
        <translation>Скасовано</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>Перевірка</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>З&apos;єднання</translation>
    </message>
    <message>
        <source>Decrypting</source>
        <translation>Розшифрування</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>Призначення</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>Напрямок</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Завантаження</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>Завантаження</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>Залишилось</translation>
    </message>
    <message>
        <source>Encrypting</source>
        <translation>Шифрування</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Помилка</translation>
    </message>
    <message>
        <source>Finalizing</source>
        <translation>Завершення</translation>
    </message>
    <message>
        <source>Finalizing…</source>
        <translation>Завершення…</translation>
    </message>
    <message>
        <source>Fragment</source>
        <translation>Фрагмент ключа</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Елемент</translation>
    </message>
    <message>
        <source>Loading</source>
        <translation>Завантаження в Docker</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Блокування</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Призупинено</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Хід</translation>
    </message>
    <message>
        <source>Publishing</source>
        <translation>Публікація</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>У черзі</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Виконується</translation>
    </message>
    <message>
        <source>Saving</source>
        <translation>Збереження</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Швидкість</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Стан</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Розблокування</translation>
    </message>
    <message>
        <source>Upload</source>
        <translation>Вивантаження</translation>
    </message>
    <message>
        <source>Uploading</source>
        <translation>Вивантаження</translation>
    </message>
    <message>
        <source>Verifying</source>
        <translation>Перевірка цілісності</translation>
    </message>
    <message>
        <source>Retrying in {0} s (attempt {1} of {2})</source>
        <translation>Повтор через {0} с (спроба {1} з {2})</translation>
    </message>
</context>
<context>
    <name>TransfersPanel</name>
    <message>
        <source>Cancel</source>
        <translation>Скасувати</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Призупинити</translation>
    </message>
    <message>
        <source>Stop the selected transfers but keep what they have done</source>
        <translation>Зупинити вибрані передавання, зберігши виконане</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Відновити</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>Відкинути</translation>
    </message>
    <message>
        <source>Forget the selected paused or failed transfers and what they kept</source>
        <translation>Забути вибрані призупинені або невдалі передавання та збережені ними дані</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Показати в теці</translation>
    </message>
    <message>
        <source>Open the folder of the selected finished download</source>
        <translation>Відкрити теку вибраного завершеного завантаження</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>Повторити невдалі</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>Прибрати завершені</translation>
    </message>
    <message>
        <source>How many transfers run at the same time</source>
        <translation>Скільки передавань виконується одночасно</translation>
    </message>
    <message>
        <source>At once</source>
        <translation>Одночасно</translation>
    </message>
    <message>
        <source>Transfers</source>
        <translation>Передавання</translation>
    </message>
    <message>
        <source>{0} active, {1} in the list</source>
        <translation>Активних: {0}, у списку: {1}</translation>
    </message>
    <message>
        <source>{0} paused</source>
        <translation>призупинено: {0}</translation>
    </message>
    <message>
        <source>{0} failed</source>
        <translation>невдалих: {0}</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Azaion Admin — Work in progress</source>
        <translation>Azaion Admin — Робота триває</translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) are still running or queued. Keep transfers running in the tray?</source>
        <translation>
            <numerusform>%n передавання ще виконується або в черзі. Залишити передавання працювати в системному лотку?</numerusform>
            <numerusform>%n передавання ще виконуються або в черзі. Залишити передавання працювати в системному лотку?</numerusform>
            <numerusform>%n передавань ще виконуються або в черзі. Залишити передавання працювати в системному лотку?</numerusform>
        </translation>
    </message>
    <message>
        <source>Stop and quit pauses uploads and downloads (they can be resumed after the next login) and cancels other work.</source>
        <translation>«Зупинити й вийти» призупиняє вивантаження й завантаження (їх можна продовжити після наступного входу) і скасовує іншу роботу.</translation>
    </message>
    <message>
        <source>&amp;Keep running</source>
        <translation>&amp;Залишити працювати</translation>
    </message>
    <message>
        <source>&amp;Stop and quit</source>
        <translation>З&amp;упинити й вийти</translation>
    </message>
    <message>
        <source>&amp;Show Azaion Admin</source>
        <translation>&amp;Показати Azaion Admin</translation>
    </message>
    <message>
        <source>&amp;Pause all transfers</source>
        <translation>При&amp;зупинити всі передавання</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Ви&amp;йти</translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) running</source>
        <translation>
            <numerusform>%n передавання виконується</numerusform>
            <numerusform>%n передавання виконуються</numerusform>
            <numerusform>%n передавань виконуються</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UnlockPanel</name>
    <message>
        <source>Encrypted image archive</source>
        <translation>Зашифрований архів образів</translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation>Ви&amp;брати…</translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation>&amp;Розблокувати</translation>
    </message>
    <message>
        <source>Chec&amp;k images</source>
        <translation>Пере&amp;вірити образи</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Сервіс</translation>
    </message>
    <message>
        <source>Expected image</source>
        <translation>Очікуваний образ</translation>
    </message>
    <message>
        <source>Present</source>
        <translation>Наявний</translation>
    </message>
    <message>
        <source>Docker &amp;output</source>
        <translation>Вивід &amp;Docker</translation>
    </message>
    <message>
        <source>&amp;Lock images (administrators)</source>
        <translation>Бл&amp;окування образів (адміністратори)</translation>
    </message>
    <message>
        <source>&amp;Archive</source>
        <translation>&amp;Архів</translation>
    </message>
    <message>
        <source>&amp;Version</source>
        <translation>В&amp;ерсія</translation>
    </message>
    <message>
        <source>Docker</source>
        <translation>Docker</translation>
    </message>
    <message>
        <source>Image unlock</source>
        <translation>Розблокування образів</translation>
    </message>
    <message>
        <source>checking {0}…</source>
        <translation>перевірка {0}…</translation>
    </message>
    <message>
        <source>✗ “{0}” was not found on this computer</source>
        <translation>✗ «{0}» не знайдено на цьому комп&apos;ютері</translation>
    </message>
    <message>
        <source>version unknown</source>
        <translation>версія невідома</translation>
    </message>
    <message numerus="yes">
        <source>{0}: {1} — %n image(s) were loaded.</source>
        <translation>
            <numerusform>{0}: {1} — завантажено %n образ.</numerusform>
            <numerusform>{0}: {1} — завантажено %n образи.</numerusform>
            <numerusform>{0}: {1} — завантажено %n образів.</numerusform>
        </translation>
    </message>
    <message>
        <source>Checking the service images again…</source>
        <translation>Повторна перевірка образів сервісів…</translation>
    </message>
    <message>
        <source>{0}: {1} — nothing was loaded</source>
        <translation>{0}: {1} — нічого не завантажено</translation>
    </message>
    <message>
        <source>Checked: all service images present</source>
        <translation>Перевірено: усі образи сервісів наявні</translation>
    </message>
    <message>
        <source>Checked: some service images are missing</source>
        <translation>Перевірено: деяких образів сервісів бракує</translation>
    </message>
    <message>
        <source>Could not check the service images: {0}</source>
        <translation>Не вдалося перевірити образи сервісів: {0}</translation>
    </message>
    <message>
        <source>Install Docker (or set the docker command in Settings) to unlock.</source>
        <translation>Установіть Docker (або вкажіть команду docker у налаштуваннях), щоб розблокувати.</translation>
    </message>
    <message>
        <source>Unlocking {0}…</source>
        <translation>Розблокування {0}…</translation>
    </message>
    <message numerus="yes">
        <source>{0} of {1} decrypted · %n image(s) loaded</source>
        <translation>
            <numerusform>Розшифровано {0} з {1} · завантажено %n образ</numerusform>
            <numerusform>Розшифровано {0} з {1} · завантажено %n образи</numerusform>
            <numerusform>Розшифровано {0} з {1} · завантажено %n образів</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n image(s) loaded</source>
        <translation>
            <numerusform>Завантажено %n образ</numerusform>
            <numerusform>Завантажено %n образи</numerusform>
            <numerusform>Завантажено %n образів</numerusform>
        </translation>
    </message>
    <message>
        <source>Unlocked: all service images present</source>
        <translation>Розблоковано: усі образи сервісів наявні</translation>
    </message>
    <message>
        <source>Unlocked, but some service images are missing</source>
        <translation>Розблоковано, але деяких образів сервісів бракує</translation>
    </message>
</context>
<context>
    <name>UploadPanel</name>
    <message>
        <source>Add f&amp;iles…</source>
        <translation>Додати &amp;файли…</translation>
    </message>
    <message>
        <source>Add fold&amp;er…</source>
        <translation>Додати т&amp;еку…</translation>
    </message>
    <message>
        <source>&amp;Target folder</source>
        <translation>&amp;Цільова тека</translation>
    </message>
    <message>
        <source>Queued in this session</source>
        <translation>Додано до черги в цьому сеансі</translation>
    </message>
    <message>
        <source>Upload</source>
        <translation>Вивантаження</translation>
    </message>
    <message>
        <source>Your role ({0}) may not upload; ask an administrator.</source>
        <translation>Ваша роль ({0}) не дозволяє вивантажувати; зверніться до адміністратора.</translation>
    </message>
    <message>
        <source>Files to upload</source>
        <translation>Файли для вивантаження</translation>
    </message>
    <message>
        <source>Folder to upload</source>
        <translation>Тека для вивантаження</translation>
    </message>
    <message>
        <source>Checking which names exist in {0}…</source>
        <translation>Перевірка, які назви вже є в {0}…</translation>
    </message>
    <message numerus="yes">
        <source>Queued %n file(s) for upload to {0}.</source>
        <translation>
            <numerusform>%n файл поставлено в чергу на вивантаження до {0}.</numerusform>
            <numerusform>%n файли поставлено в чергу на вивантаження до {0}.</numerusform>
            <numerusform>%n файлів поставлено в чергу на вивантаження до {0}.</numerusform>
        </translation>
    </message>
    <message>
        <source>Skipped names that cannot be uploaded: {0}</source>
        <translation>Пропущено назви, які не можна вивантажити: {0}</translation>
    </message>
    <message>
        <source>Nothing to upload: no files found.</source>
        <translation>Нічого вивантажувати: файлів не знайдено.</translation>
    </message>
    <message>
        <source>Nothing queued: could not list {0} to check for existing names: {1}</source>
        <translation>Нічого не додано до черги: не вдалося отримати список {0}, щоб перевірити наявні назви: {1}</translation>
    </message>
</context>
<context>
    <name>Users</name>
    <message>
        <source>CPU</source>
        <translation>Процесор</translation>
    </message>
    <message>
        <source>Disabled: cannot log in</source>
        <translation>Вимкнено: не може увійти</translation>
    </message>
    <message>
        <source>Double-click or press F2 to change the role</source>
        <translation>Двічі клацніть або натисніть F2, щоб змінити роль</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>Диск</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Ел. пошта</translation>
    </message>
    <message>
        <source>Enabled</source>
        <translation>Увімкнено</translation>
    </message>
    <message>
        <source>GPU</source>
        <translation>Відеокарта</translation>
    </message>
    <message>
        <source>Last login</source>
        <translation>Останній вхід</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>Пам&apos;ять</translation>
    </message>
    <message>
        <source>No machine is bound to this account</source>
        <translation>До цього облікового запису не прив&apos;язано жодного комп&apos;ютера</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Роль</translation>
    </message>
    <message>
        <source>This is you</source>
        <translation>Це ви</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>вимкнено</translation>
    </message>
    <message>
        <source>enabled</source>
        <translation>увімкнено</translation>
    </message>
    <message>
        <source>never</source>
        <translation>ніколи</translation>
    </message>
    <message>
        <source>no</source>
        <translation>ні</translation>
    </message>
    <message>
        <source>not bound</source>
        <translation>не прив&apos;язано</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>так</translation>
    </message>
</context>
<context>
    <name>UsersPanel</name>
    <message>
        <source>Search by email…</source>
        <translation>Пошук за ел. поштою…</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Користувачі</translation>
    </message>
    <message>
        <source>Only administrators manage users</source>
        <translation>Керувати користувачами можуть лише адміністратори</translation>
    </message>
    <message>
        <source>&amp;New user…</source>
        <translation>&amp;Новий користувач…</translation>
    </message>
    <message>
        <source>Create a user</source>
        <translation>Створити користувача</translation>
    </message>
    <message>
        <source>&amp;Enable</source>
        <translation>&amp;Увімкнути</translation>
    </message>
    <message>
        <source>Enable the selected users</source>
        <translation>Увімкнути вибраних користувачів</translation>
    </message>
    <message>
        <source>&amp;Disable</source>
        <translation>&amp;Вимкнути</translation>
    </message>
    <message>
        <source>Disable the selected users: they cannot log in</source>
        <translation>Вимкнути вибраних користувачів: вони не зможуть увійти</translation>
    </message>
    <message>
        <source>Change &amp;role…</source>
        <translation>Змінити &amp;роль…</translation>
    </message>
    <message>
        <source>Change the selected user&apos;s role</source>
        <translation>Змінити роль вибраного користувача</translation>
    </message>
    <message>
        <source>Reset &amp;hardware…</source>
        <translation>Скинути &amp;обладнання…</translation>
    </message>
    <message>
        <source>Unbind the selected user&apos;s machine; their next login binds the machine they use</source>
        <translation>Відв&apos;язати комп&apos;ютер вибраного користувача; наступний вхід прив&apos;яже комп&apos;ютер, з якого він увійде</translation>
    </message>
    <message>
        <source>De&amp;lete…</source>
        <translation>Ви&amp;далити…</translation>
    </message>
    <message>
        <source>Delete the selected user</source>
        <translation>Видалити вибраного користувача</translation>
    </message>
    <message>
        <source>Re&amp;fresh</source>
        <translation>&amp;Оновити</translation>
    </message>
    <message>
        <source>Reload the users from the server</source>
        <translation>Заново завантажити користувачів із сервера</translation>
    </message>
    <message>
        <source>Signed in as {0} ({1})</source>
        <translation>Ви увійшли як {0} ({1})</translation>
    </message>
    <message>
        <source>last login {0}</source>
        <translation>останній вхід {0}</translation>
    </message>
    <message>
        <source>Could not load the users: {0}</source>
        <translation>Не вдалося завантажити користувачів: {0}</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Завантаження…</translation>
    </message>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%n користувач</numerusform>
            <numerusform>%n користувачі</numerusform>
            <numerusform>%n користувачів</numerusform>
        </translation>
    </message>
    <message>
        <source>{0} of {1} shown</source>
        <translation>Показано {0} з {1}</translation>
    </message>
    <message>
        <source>Working…</source>
        <translation>Виконується…</translation>
    </message>
    <message>
        <source>{0} of {1} done; {2}: {3}</source>
        <translation>Виконано {0} з {1}; {2}: {3}</translation>
    </message>
    <message>
        <source>Disable the user “{0}”? They cannot log in until enabled again.</source>
        <translation>Вимкнути користувача «{0}»? Він не зможе увійти, доки його знову не ввімкнуть.</translation>
    </message>
    <message numerus="yes">
        <source>Disable %n users? They cannot log in until enabled again.</source>
        <translation>
            <numerusform>Вимкнути %n користувача? Він не зможе увійти, доки його знову не ввімкнуть.</numerusform>
            <numerusform>Вимкнути %n користувачів? Вони не зможуть увійти, доки їх знову не ввімкнуть.</numerusform>
            <numerusform>Вимкнути %n користувачів? Вони не зможуть увійти, доки їх знову не ввімкнуть.</numerusform>
        </translation>
    </message>
    <message>
        <source>Disable users</source>
        <translation>Вимкнення користувачів</translation>
    </message>
    <message numerus="yes">
        <source>Enabled %n user(s)</source>
        <translation>
            <numerusform>Увімкнено %n користувача</numerusform>
            <numerusform>Увімкнено %n користувачів</numerusform>
            <numerusform>Увімкнено %n користувачів</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Disabled %n user(s)</source>
        <translation>
            <numerusform>Вимкнено %n користувача</numerusform>
            <numerusform>Вимкнено %n користувачів</numerusform>
            <numerusform>Вимкнено %n користувачів</numerusform>
        </translation>
    </message>
    <message>
        <source>Enabled {0}</source>
        <translation>Увімкнено {0}</translation>
    </message>
    <message>
        <source>Disabled {0}</source>
        <translation>Вимкнено {0}</translation>
    </message>
    <message>
        <source>Select one user.</source>
        <translation>Виберіть одного користувача.</translation>
    </message>
    <message>
        <source>{0} is now {1}</source>
        <translation>{0} тепер має роль «{1}»</translation>
    </message>
    <message>
        <source>Reset hardware</source>
        <translation>Скидання обладнання</translation>
    </message>
    <message>
        <source>Reset the hardware binding of “{0}”?

The account&apos;s next login binds it to the machine it comes from.</source>
        <translation>Скинути прив&apos;язку обладнання для «{0}»?

Наступний вхід прив&apos;яже обліковий запис до комп&apos;ютера, з якого його виконано.</translation>
    </message>
    <message>
        <source>Reset the hardware binding of {0}</source>
        <translation>Скинуто прив&apos;язку обладнання для {0}</translation>
    </message>
    <message>
        <source>Delete user</source>
        <translation>Видалення користувача</translation>
    </message>
    <message>
        <source>Delete the user “{0}”?

This cannot be undone.</source>
        <translation>Видалити користувача «{0}»?

Цю дію не можна скасувати.</translation>
    </message>
    <message>
        <source>Deleted {0}</source>
        <translation>Видалено {0}</translation>
    </message>
    <message>
        <source>Created {0} ({1})</source>
        <translation>Створено {0} ({1})</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <source>{0} is no longer kept up to date</source>
        <translation>{0} більше не підтримується в актуальному стані</translation>
    </message>
    <message>
        <source>{0} is kept up to date in {1}</source>
        <translation>{0} підтримується в актуальному стані в {1}</translation>
    </message>
    <message>
        <source>&amp;Keep folder up to date…</source>
        <translation>&amp;Підтримувати теку в актуальному стані…</translation>
    </message>
</context>
</TS>
