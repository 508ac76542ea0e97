<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ConflictAsker</name>
    <message numerus="yes">
        <source>Do this for the other %n file(s) that exist</source>
        <translation>
            <numerusform>Do this for the other file that exists</numerusform>
            <numerusform>Do this for the other %n files that exist</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FinishedWork</name>
    <message numerus="yes">
        <source>%n of {0} transfers failed</source>
        <translation>
            <numerusform>%n of {0} transfers failed</numerusform>
            <numerusform>%n of {0} transfers failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) finished</source>
        <translation>
            <numerusform>%n transfer finished</numerusform>
            <numerusform>%n transfers finished</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <translation>
            <numerusform>and %n more</numerusform>
            <numerusform>and %n more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HardwarePanel</name>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%n user</numerusform>
            <numerusform>%n users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n with a bound machine</source>
        <translation>
            <numerusform>%n with a bound machine</numerusform>
            <numerusform>%n with a bound machine</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n not bound yet (not in the charts)</source>
        <translation>
            <numerusform>%n not bound yet (not in the charts)</numerusform>
            <numerusform>%n not bound yet (not in the charts)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ImageLockBox</name>
    <message numerus="yes">
        <source>Locking %n image(s) into {0}…</source>
        <translation>
            <numerusform>Locking %n image into {0}…</numerusform>
            <numerusform>Locking %n images into {0}…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Locked %n image(s) into {0}; key fragment published for {1}</source>
        <translation>
            <numerusform>Locked %n image into {0}; key fragment published for {1}</numerusform>
            <numerusform>Locked %n images into {0}; key fragment published for {1}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ImageVersionsBox</name>
    <message numerus="yes">
        <source>%n version(s), {0} of images</source>
        <translation>
            <numerusform>%n version, {0} of images</numerusform>
            <numerusform>%n versions, {0} of images</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Remove the images of %n version(s): {0}?</source>
        <translation>
            <numerusform>Remove the images of %n version: {0}?</numerusform>
            <numerusform>Remove the images of %n versions: {0}?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removing %n version(s)…</source>
        <translation>
            <numerusform>Removing %n version…</numerusform>
            <numerusform>Removing %n versions…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Removed %n version(s): {0} (up to {1} freed).</source>
        <translation>
            <numerusform>Removed %n version: {0} (up to {1} freed).</numerusform>
            <numerusform>Removed %n versions: {0} (up to {1} freed).</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n interrupted transfer(s) restored as paused: resume or discard them in Transfers</source>
        <translation>
            <numerusform>%n interrupted transfer restored as paused: resume or discard it in Transfers</numerusform>
            <numerusform>%n interrupted transfers restored as paused: resume or discard them in Transfers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) are still running or queued. Stop them and continue? Uploads and downloads are paused and can be resumed after the next login; other work is cancelled.</source>
        <translation>
            <numerusform>%n transfer is still running or queued. Stop it and continue? Uploads and downloads are paused and can be resumed after the next login; other work is cancelled.</numerusform>
            <numerusform>%n transfers are still running or queued. Stop them and continue? Uploads and downloads are paused and can be resumed after the next login; other work is cancelled.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) paused</source>
        <translation>
            <numerusform>%n transfer paused</numerusform>
            <numerusform>%n transfers paused</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResourcesPanel</name>
    <message numerus="yes">
        <source>{0}: %n item(s)</source>
        <translation>
            <numerusform>{0}: %n item</numerusform>
            <numerusform>{0}: %n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{0}: {1} of %n item(s)</source>
        <translation>
            <numerusform>{0}: {1} of %n item</numerusform>
            <numerusform>{0}: {1} of %n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n download(s)</source>
        <translation>
            <numerusform>Queued %n download</numerusform>
            <numerusform>Queued %n downloads</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message numerus="yes">
        <source>%n paused or failed transfer(s) keep their partial data in the cache: it is deleted too, so they will start again from the beginning when resumed or retried.</source>
        <translation>
            <numerusform>%n paused or failed transfer keeps its partial data in the cache: it is deleted too, so it will start again from the beginning when resumed or retried.</numerusform>
            <numerusform>%n paused or failed transfers keep their partial data in the cache: it is deleted too, so they will start again from the beginning when resumed or retried.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The cache cannot be cleared while %n transfer(s) are running or queued: wait for them or cancel them in Transfers first.</source>
        <translation>
            <numerusform>The cache cannot be cleared while %n transfer is running or queued: wait for it or cancel it in Transfers first.</numerusform>
            <numerusform>The cache cannot be cleared while %n transfers are running or queued: wait for them or cancel them in Transfers first.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SuiteBox</name>
    <message numerus="yes">
        <source>{0}: %n item(s)</source>
        <translation>
            <numerusform>{0}: %n item</numerusform>
            <numerusform>{0}: %n items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Queued %n upload(s)</source>
        <translation>
            <numerusform>Queued %n upload</numerusform>
            <numerusform>Queued %n uploads</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncScheduler</name>
    <message numerus="yes">
        <source>%n new</source>
        <translation>
            <numerusform>%n new</numerusform>
            <numerusform>%n new</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n deleted</source>
        <translation>
            <numerusform>%n deleted</numerusform>
            <numerusform>%n deleted</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n kept (changed locally)</source>
        <translation>
            <numerusform>%n kept (changed locally)</numerusform>
            <numerusform>%n kept (changed locally)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n not synced</source>
        <translation>
            <numerusform>%n not synced</numerusform>
            <numerusform>%n not synced</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message numerus="yes">
        <source>%n transfer(s) are still running or queued. Keep transfers running in the tray?</source>
        <translation>
            <numerusform>%n transfer is still running or queued. Keep it running in the tray?</numerusform>
            <numerusform>%n transfers are still running or queued. Keep them running in the tray?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n transfer(s) running</source>
        <translation>
            <numerusform>%n transfer running</numerusform>
            <numerusform>%n transfers running</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UnlockPanel</name>
    <message numerus="yes">
        <source>{0} of {1} decrypted · %n image(s) loaded</source>
        <translation>
            <numerusform>{0} of {1} decrypted · %n image loaded</numerusform>
            <numerusform>{0} of {1} decrypted · %n images loaded</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n image(s) loaded</source>
        <translation>
            <numerusform>%n image loaded</numerusform>
            <numerusform>%n images loaded</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{0}: {1} — %n image(s) were loaded.</source>
        <translation>
            <numerusform>{0}: {1} — %n image was loaded.</numerusform>
            <numerusform>{0}: {1} — %n images were loaded.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UploadPanel</name>
    <message numerus="yes">
        <source>Queued %n file(s) for upload to {0}.</source>
        <translation>
            <numerusform>Queued %n file for upload to {0}.</numerusform>
            <numerusform>Queued %n files for upload to {0}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UsersPanel</name>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%n user</numerusform>
            <numerusform>%n users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Disable %n users? They cannot log in until enabled again.</source>
        <translation>
            <numerusform>Disable %n user? They cannot log in until enabled again.</numerusform>
            <numerusform>Disable %n users? They cannot log in until enabled again.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Enabled %n user(s)</source>
        <translation>
            <numerusform>Enabled %n user</numerusform>
            <numerusform>Enabled %n users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Disabled %n user(s)</source>
        <translation>
            <numerusform>Disabled %n user</numerusform>
            <numerusform>Disabled %n users</numerusform>
        </translation>
    </message>
</context>
</TS>
