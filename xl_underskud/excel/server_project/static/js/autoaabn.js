// Opens this task pane with the workbook from now on: the first time the user runs one of the
// pane's scripts, the workbook is tagged with the document setting
// Office.AutoShowTaskpaneWithDocument (Microsoft Learn, "Automatically open a task pane with a
// document", "Use Office.js to tag the document"); Excel saves it with the workbook. The
// standard workbook carries the same tag from the start (xl_underskud/xlsx/webextension.py);
// this covers copies made without it.
// Office.js itself special-cases this setting (vendored office.js 16.0.20308.15050,
// Settings.set): behind the feature gate Microsoft.Office.OEP.BlockSetAutoOpenInOfficeJs it
// refuses to turn it on for add-ins the host flags as public (HostInfoFlags.PublicAddin) unless
// allow-listed. An add-in deployed centrally from the organisation's own catalog is presumably
// not "public"; if it were, the call does nothing and the workbook's own tag still applies.
function tagDocument() {
  const settings = Office.context.document.settings;
  if (settings.get("Office.AutoShowTaskpaneWithDocument") === true) return;
  settings.set("Office.AutoShowTaskpaneWithDocument", true);
  settings.saveAsync();
}

Office.onReady(() => {
  // the pane's own buttons (xw-click="script")
  document.addEventListener(
    "click",
    (event) => {
      if (event.target instanceof Element && event.target.closest("[xw-click]")) tagDocument();
    },
    true,
  );
  // the buttons on the sheet: xlwings' sheet-buttons.js calls the global xlwings.runPython
  const xlwings = globalThis.xlwings;
  if (xlwings && typeof xlwings.runPython === "function") {
    const runPython = xlwings.runPython;
    xlwings.runPython = (...args) => {
      tagDocument();
      return runPython(...args);
    };
  }
});
