; Inno Setup 6 script: per-user installer of the Digibank Balie desktop bundle for Windows.
;
; Build (on Windows, after `pyinstaller packaging\digibank.spec --distpath dist`):
;   iscc /DAppVersion=0.1.0 packaging\windows\digibank.iss
; → dist\digibank-balie-<version>-windows-setup.exe
;
; No administrator rights needed: installs under the user's own programs folder.
; The data folder (%LOCALAPPDATA%\digibank-balie: database, backups, labels) is kept
; when the program is removed, unless the person asks for it to go in the uninstaller.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Digibank Balie"
#define SourceDir "..\..\dist\digibank-balie"

[Setup]
AppId={{6F0C4E5A-2B7D-4D1B-9C55-7A1D2E0B8C31}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Digibank Balie
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=digibank-balie-{#AppVersion}-windows-setup
SetupIconFile=..\..\resources\icons\digibank.ico
UninstallDisplayIcon={app}\digibank.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; An upgrade installs over the previous version; the program migrates its database at the
; first start (after a backup) and refuses to open a database of a newer version.
CloseApplications=yes

[Languages]
Name: "dutch"; MessagesFile: "compiler:Languages\Dutch.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\digibank.exe"
Name: "{group}\{#AppName} zelftest"; Filename: "{cmd}"; Parameters: "/k ""{app}\digibank-cli.exe"" selftest"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\digibank.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\digibank.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[CustomMessages]
dutch.RemoveData=Ook de gegevens van Digibank Balie verwijderen (database, back-ups, etiketten) in %1?%n%nKies Nee om ze te bewaren (aanbevolen: ze bevatten de uitleningen en de back-ups).
english.RemoveData=Also remove the data of Digibank Balie (database, backups, labels) in %1?%n%nChoose No to keep them (recommended: they hold the loans and the backups).
french.RemoveData=Supprimer aussi les données de Digibank Balie (base de données, sauvegardes, étiquettes) dans %1 ?%n%nChoisissez Non pour les garder (recommandé : elles contiennent les prêts et les sauvegardes).

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    DataDir := ExpandConstant('{localappdata}\digibank-balie');
    if DirExists(DataDir) and not UninstallSilent then
      if MsgBox(FmtMessage(CustomMessage('RemoveData'), [DataDir]), mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
        DelTree(DataDir, True, True, True);
  end;
end;
