/* Edge labels of the process maps that do not cover each other or a node.
 *
 * The busiest edges carry their label ("12 · 3.4d · ping-pong"); on a real log dozens of them
 * meet near the busiest nodes, where the labels pile up (BPI Challenge 2013: 12 overlapping
 * pairs on the handoff graph, 8 labels over a node). After every layout (the first drawing,
 * new elements after a filter, a node dragged), the labels are placed greedily, the widest
 * edge first: a label that would cover one already placed or a node is moved a line above
 * or below the edge's middle, and where no such place is free it is
 * left off (class "crowded"); its edge shows it when clicked, as the narrow edges do (see
 * STYLESHEET in cyto.py).
 *
 * dash-cytoscape keeps its cytoscape instance on the container (`_cyreg.cy`); the maps are
 * found by their ids as they are drawn.
 */
(function () {
  "use strict";

  var MAPS = ["cy-status", "cy-handoffs"];
  var MARGIN = 2; // model pixels kept between two labels
  // Where a label may go, in label widths and heights off the edge's middle, in this order.
  // Only along the vertical, by about a line: further off, a label reads as another edge's.
  var SHIFTS = [
    [0, 0],
    [0, -1.1],
    [0, 1.1],
  ];

  function overlap(a, b) {
    return (
      a.x1 < b.x2 + MARGIN && b.x1 < a.x2 + MARGIN && a.y1 < b.y2 + MARGIN && b.y1 < a.y2 + MARGIN
    );
  }

  function labelBox(edge) {
    return edge.boundingBox({
      includeNodes: false,
      includeEdges: false,
      includeLabels: true,
      includeMainLabels: true,
      includeSourceLabels: false,
      includeTargetLabels: false,
      includeOverlays: false,
    });
  }

  function declutter(cy) {
    var nodes = cy.nodes(":visible").map(function (n) {
      return n.boundingBox({ includeLabels: true, includeOverlays: false });
    });
    cy.batch(function () {
      cy.edges(".crowded").removeClass("crowded");
    });
    var labelled = cy
      .edges(":visible")
      .filter(function (e) {
        return e.data("label") && e.data("depth") !== "bottom";
      })
      .sort(function (a, b) {
        return (b.data("z") || 0) - (a.data("z") || 0);
      });
    var placed = [];
    var crowded = [];
    var free = function (box) {
      return (
        !placed.some(function (p) {
          return overlap(p, box);
        }) &&
        !nodes.some(function (n) {
          return overlap(n, box);
        })
      );
    };
    labelled.forEach(function (edge) {
      edge.removeStyle("text-margin-x text-margin-y");
      var box = labelBox(edge);
      if (!(box.w > 0 && box.h > 0)) return;
      for (var i = 0; i < SHIFTS.length; i++) {
        var dx = SHIFTS[i][0] * box.w,
          dy = SHIFTS[i][1] * box.h;
        var moved = { x1: box.x1 + dx, x2: box.x2 + dx, y1: box.y1 + dy, y2: box.y2 + dy };
        if (free(moved)) {
          if (dx || dy) edge.style({ "text-margin-x": dx, "text-margin-y": dy });
          placed.push(moved);
          return;
        }
      }
      crowded.push(edge);
    });
    cy.batch(function () {
      crowded.forEach(function (edge) {
        edge.addClass("crowded");
      });
    });
    cy.scratch("flowgapLabels", { shown: placed.length, crowded: crowded.length });
  }

  function hook(el) {
    var cy = el._cyreg && el._cyreg.cy;
    if (!cy || cy.scratch("flowgapDeclutter")) return;
    cy.scratch("flowgapDeclutter", true);
    cy.on("layoutstop", function () {
      declutter(cy);
    });
    cy.on("dragfree", "node", function () {
      declutter(cy);
    });
    declutter(cy); // the first layout may have run before this hook
  }

  window.setInterval(function () {
    for (var i = 0; i < MAPS.length; i++) {
      var el = document.getElementById(MAPS[i]);
      if (el) hook(el);
    }
  }, 250);
})();
