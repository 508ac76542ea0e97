<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
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
    <name>UsersPanel</name>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%n user</numerusform>
            <numerusform>%n users</numerusform>
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
