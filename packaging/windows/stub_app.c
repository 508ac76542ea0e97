/* A stand-in for azaion-admin.exe in the installer test under Wine (packaging/wine_test.py): a tiny Windows console
   program, cross-compiled with mingw-w64 during the test. It appends one line to the file named by the environment
   variable AZAION_STUB_MARKER (UTF-8): its own path, its working folder and its arguments, tab-separated, so the
   test sees that the installed program really starts, and from where. Exit code 0, or 3 if the marker cannot be
   written. */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

static void put(FILE *out, const wchar_t *text) {
    char buf[4 * MAX_PATH + 4];
    int n = WideCharToMultiByte(CP_UTF8, 0, text, -1, buf, sizeof buf, NULL, NULL);
    if (n > 0) fputs(buf, out);
}

int wmain(int argc, wchar_t **argv) {
    wchar_t self[MAX_PATH], cwd[MAX_PATH], marker[MAX_PATH];
    GetModuleFileNameW(NULL, self, MAX_PATH);
    GetCurrentDirectoryW(MAX_PATH, cwd);
    if (!GetEnvironmentVariableW(L"AZAION_STUB_MARKER", marker, MAX_PATH)) {
        wprintf(L"azaion-admin stub: %ls\n", self);
        return 0;
    }
    FILE *out = _wfopen(marker, L"ab");
    if (!out) return 3;
    fputs("started\t", out);
    put(out, self);
    fputs("\t", out);
    put(out, cwd);
    for (int i = 1; i < argc; i++) {
        fputs("\t", out);
        put(out, argv[i]);
    }
    fputs("\n", out);
    fclose(out);
    return 0;
}
