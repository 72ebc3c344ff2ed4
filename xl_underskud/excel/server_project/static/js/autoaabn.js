// Opens this task pane with the workbook from now on: the first time the user runs one of the
// pane's scripts, the workbook is tagged with the document setting
// Office.AutoShowTaskpaneWithDocument (Microsoft Learn, "Automatically open a task pane with a
// document", "Use Office.js to tag the document"); Excel saves it with the workbook. The
// standard workbook carries the same tag from the start (xl_underskud/xlsx/webextension.py);
// this covers copies made without it.
Office.onReady(() => {
  document.addEventListener(
    "click",
    (event) => {
      if (!(event.target instanceof Element) || !event.target.closest("[xw-click]")) return;
      const settings = Office.context.document.settings;
      if (settings.get("Office.AutoShowTaskpaneWithDocument") === true) return;
      settings.set("Office.AutoShowTaskpaneWithDocument", true);
      settings.saveAsync();
    },
    true,
  );
});
