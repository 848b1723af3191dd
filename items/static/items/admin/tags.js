// The item form's tags (items/admin/widgets.py): "Add another tag" appends an empty box.
// Without this script the form still offers one empty box, so a tag can always be added.
document.addEventListener("DOMContentLoaded", () => {
  for (const list of document.querySelectorAll("[data-tag-list]")) {
    const boxes = list.querySelector(".tag-list-boxes");
    const add = list.querySelector(".tag-list-add");
    const template = boxes.querySelector(".tag-list-new");
    add.hidden = false;
    add.addEventListener("click", () => {
      const box = template.cloneNode();
      box.value = "";
      box.removeAttribute("id");
      const item = document.createElement("li");
      item.append(box);
      boxes.append(item);
      box.focus();
    });
  }
});
