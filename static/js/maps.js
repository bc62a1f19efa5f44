// Maps of the portal (issue #17): search results, a plate's story, a read, a hit, cameras, the area search and the
// camera position picker. Leaflet, leaflet.markercluster and topojson-client are vendored in static/vendor/.
//
// Governance: this file never asks the server for read data. The points it draws are embedded in the page (a
// json_script block) by the view that already checked the purpose and wrote the access-log row; the only requests
// it makes are for static files (the offline basemap) or, when the agency configured one, its own tile server.
// CSP: no inline script, no inline style (colours are classes); popups are built with textContent (plates are data).
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  var DEFAULT_CENTER = [37.2, -119.5];  // California, when there is nothing to show yet
  var DEFAULT_ZOOM = 6;
  var TIME_CLASSES = 5;
  var basemapCache = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function readJson(id) {
    var node = id ? document.getElementById(id) : null;
    if (!node) { return []; }
    try { return JSON.parse(node.textContent) || []; } catch (e) { return []; }
  }

  function basemap(map, container) {
    var tileUrl = container.dataset.tileUrl;
    if (tileUrl) {
      L.tileLayer(tileUrl, {maxZoom: 19, attribution: container.dataset.tileAttribution || ""}).addTo(map);
      return;
    }
    var url = container.dataset.basemap;
    if (!url || typeof topojson === "undefined") { return; }
    if (!basemapCache[url]) {
      basemapCache[url] = fetch(url, {credentials: "same-origin"}).then(function (response) {
        if (!response.ok) { throw new Error("basemap " + response.status); }
        return response.json();
      });
    }
    var renderer = L.canvas({padding: 0.2});
    basemapCache[url].then(function (topology) {
      L.geoJSON(topojson.feature(topology, topology.objects.counties), {
        renderer: renderer, interactive: false,
        style: {color: "#b9c3cf", weight: 0.6, fillColor: "#eef2e6", fillOpacity: 1}
      }).addTo(map).bringToBack();
      L.geoJSON(topojson.mesh(topology, topology.objects.states, function (a, b) { return a !== b; }), {
        renderer: renderer, interactive: false, style: {color: "#7d8a99", weight: 1.4, fill: false}
      }).addTo(map);
      container.dataset.basemapLoaded = "true";
    }).catch(function () { container.dataset.basemapLoaded = "failed"; });
    map.attributionControl.addAttribution("Boundaries: U.S. Census Bureau (us-atlas), offline");
  }

  function timeClass(point, range) {
    if (!range || range.max <= range.min) { return "t" + (TIME_CLASSES - 1); }
    var t = Date.parse(point.at);
    var k = Math.floor((t - range.min) / (range.max - range.min) * TIME_CLASSES);
    return "t" + Math.max(0, Math.min(TIME_CLASSES - 1, k));
  }

  function timeRange(points) {
    var times = points.map(function (p) { return Date.parse(p.at); }).filter(function (t) { return !isNaN(t); });
    if (!times.length) { return null; }
    return {min: Math.min.apply(null, times), max: Math.max.apply(null, times)};
  }

  function popup(point) {
    var box = el("div", "map-popup");
    if (point.n) { box.appendChild(el("span", "map-popup-n", "#" + point.n + " ")); }
    if (point.plate) { box.appendChild(el("strong", "plate", point.plate)); }
    if (point.label) { box.appendChild(el("div", "", point.label)); }
    if (point.camera) { box.appendChild(el("div", "muted", point.camera)); }
    if (point.url) {
      var link = el("a", "", point.link_text || ("Read " + point.id));
      link.href = point.url;
      box.appendChild(link);
    }
    return box;
  }

  function pointLayer(points, options) {
    var range = options.coloured ? timeRange(points) : null;
    var group = options.cluster ? L.markerClusterGroup({maxClusterRadius: 36, showCoverageOnHover: false})
      : L.featureGroup();
    points.forEach(function (point) {
      var className = "map-dot " + (options.coloured ? timeClass(point, range) : "map-camera");
      var html = "";
      var size = 14;
      if (options.numbered && point.n) {
        className = "map-num " + timeClass(point, range);
        html = String(parseInt(point.n, 10));
        size = 22;
      }
      var marker = L.marker([point.lat, point.lon], {
        icon: L.divIcon({className: className, html: html, iconSize: [size, size]}),
        title: (point.plate || point.camera || "") + (point.label ? " · " + point.label : ""),
        keyboard: true
      });
      marker.bindPopup(popup(point));
      group.addLayer(marker);
    });
    return group;
  }

  function fit(map, bounds, maxZoom) {
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds.pad(0.15), {maxZoom: maxZoom || 15});
    } else {
      map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);
    }
  }

  // --- Area search: draw a box or a circle; the form's fields stay the source of truth (typing still works) ---
  function areaDrawing(map, container) {
    var form = container.closest("form") || document;
    function field(name) { return form.querySelector("[name=" + name + "]"); }
    var names = {box: ["south", "west", "north", "east"], circle: ["center_lat", "center_lon", "radius_km"]};
    var shape = null;
    var mode = null;
    var start = null;

    function number(name) {
      var input = field(name);
      if (!input || input.value.trim() === "") { return null; }
      var value = parseFloat(input.value);
      return isNaN(value) ? null : value;
    }
    function setFields(kind, values) {
      names[kind].forEach(function (name, i) { var f = field(name); if (f) { f.value = values[i]; } });
      var other = kind === "box" ? "circle" : "box";
      names[other].forEach(function (name) { var f = field(name); if (f) { f.value = ""; } });
      var details = container.closest("details") || (field("south") && field("south").closest("details"));
      if (details) { details.open = true; }
      names[kind].forEach(function (name) {
        var f = field(name);
        if (f) { f.dispatchEvent(new Event("change", {bubbles: true})); }
      });
    }
    function clearShape() { if (shape) { map.removeLayer(shape); shape = null; } }
    function shapeFromFields() {
      clearShape();
      var box = names.box.map(number);
      var circle = names.circle.map(number);
      if (box.every(function (v) { return v !== null; })) {
        shape = L.rectangle([[box[0], box[1]], [box[2], box[3]]], {className: "map-area"}).addTo(map);
      } else if (circle.every(function (v) { return v !== null; })) {
        shape = L.circle([circle[0], circle[1]], {radius: circle[2] * 1000, className: "map-area"}).addTo(map);
      }
      container.dataset.area = shape ? (shape instanceof L.Circle ? "circle" : "box") : "";
      return shape;
    }
    function round(value, digits) { var f = Math.pow(10, digits); return Math.round(value * f) / f; }

    var buttons = {};
    var Control = L.Control.extend({
      options: {position: "topright"},
      onAdd: function () {
        var bar = el("div", "leaflet-bar map-draw");
        [["box", "Draw a box"], ["circle", "Draw a circle"], ["clear", "Clear the area"]].forEach(function (item) {
          var button = el("button", "map-draw-" + item[0], item[1]);
          button.type = "button";
          button.setAttribute("aria-pressed", "false");
          L.DomEvent.on(button, "click", function (event) {
            L.DomEvent.stop(event);
            if (item[0] === "clear") {
              names.box.concat(names.circle).forEach(function (name) { var f = field(name); if (f) { f.value = ""; } });
              clearShape();
              container.dataset.area = "";
              stop();
              return;
            }
            begin(item[0]);
          });
          buttons[item[0]] = button;
          bar.appendChild(button);
        });
        L.DomEvent.disableClickPropagation(bar);
        return bar;
      }
    });
    new Control().addTo(map);
    var hint = el("p", "map-hint muted small", "");
    container.parentNode.insertBefore(hint, container.nextSibling);

    function begin(kind) {
      mode = kind;
      map.dragging.disable();
      container.classList.add("map-drawing");
      Object.keys(buttons).forEach(function (k) { buttons[k].setAttribute("aria-pressed", String(k === kind)); });
      hint.textContent = kind === "box" ? "Drag from one corner of the box to the other (or tap both corners)."
        : "Drag from the centre out to the radius (or tap the centre, then the edge).";
    }
    function stop() {
      mode = null;
      start = null;
      map.dragging.enable();
      container.classList.remove("map-drawing");
      Object.keys(buttons).forEach(function (k) { buttons[k].setAttribute("aria-pressed", "false"); });
      hint.textContent = "";
    }
    // Press and drag (a mouse), or tap one corner/the centre and then the other corner/the edge (a touch screen,
    // where a tap arrives as mousedown+mouseup at one point).
    var startPoint = null;
    function finish(latlng) {
      if (mode === "box") {
        var b = L.latLngBounds(start, latlng);
        setFields("box", [round(b.getSouth(), 5), round(b.getWest(), 5), round(b.getNorth(), 5),
                          round(b.getEast(), 5)]);
      } else {
        var km = Math.min(200, Math.max(0.01, round(start.distanceTo(latlng) / 1000, 2)));
        setFields("circle", [round(start.lat, 5), round(start.lng, 5), km]);
      }
      stop();
      shapeFromFields();
    }
    map.on("mousedown", function (event) {
      if (!mode) { return; }
      if (start) { finish(event.latlng); return; }  // the second tap
      start = event.latlng;
      startPoint = event.containerPoint;
      clearShape();
      shape = mode === "box" ? L.rectangle(L.latLngBounds(start, start), {className: "map-area"}).addTo(map)
        : L.circle(start, {radius: 1, className: "map-area"}).addTo(map);
    });
    map.on("mousemove", function (event) {
      if (!mode || !start || !shape) { return; }
      if (mode === "box") { shape.setBounds(L.latLngBounds(start, event.latlng)); }
      else { shape.setRadius(start.distanceTo(event.latlng)); }
    });
    map.on("mouseup", function (event) {
      if (!mode || !start) { return; }
      if (startPoint && startPoint.distanceTo(event.containerPoint) < 6) {
        hint.textContent = mode === "box" ? "Now tap or click the opposite corner." : "Now tap or click the edge.";
        return;
      }
      finish(event.latlng);
    });
    names.box.concat(names.circle).forEach(function (name) {
      var input = field(name);
      if (input) { input.addEventListener("input", shapeFromFields); }
    });
    return shapeFromFields();
  }

  // --- A fixed camera's position: click (or drag the pin) to fill latitude and longitude ---
  function positionPicker(map, container) {
    var lat = document.getElementById(container.dataset.latInput);
    var lon = document.getElementById(container.dataset.lonInput);
    if (!lat || !lon) { return null; }
    var marker = null;
    function fromInputs() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (isNaN(a) || isNaN(b)) { if (marker) { map.removeLayer(marker); marker = null; } return null; }
      if (!marker) {
        marker = L.marker([a, b], {draggable: true, title: "Camera position",
                                   icon: L.divIcon({className: "map-dot map-camera map-picked", iconSize: [18, 18]})})
          .addTo(map);
        marker.on("dragend", function () { toInputs(marker.getLatLng()); });
      } else {
        marker.setLatLng([a, b]);
      }
      return marker;
    }
    function toInputs(latlng) {
      lat.value = (Math.round(latlng.lat * 1e6) / 1e6).toString();
      lon.value = (Math.round(latlng.lng * 1e6) / 1e6).toString();
      container.dataset.picked = lat.value + "," + lon.value;
      fromInputs();
    }
    map.on("click", function (event) { toInputs(event.latlng); });
    lat.addEventListener("input", fromInputs);
    lon.addEventListener("input", fromInputs);
    return fromInputs();
  }

  function init(container) {
    var mode = container.dataset.mode || "reads";
    var points = readJson(container.dataset.points).filter(function (p) {
      return typeof p.lat === "number" && typeof p.lon === "number";
    });
    var map = L.map(container, {scrollWheelZoom: false, maxZoom: 18, minZoom: 3});
    container.portalMap = map;
    map.setView(DEFAULT_CENTER, DEFAULT_ZOOM);
    basemap(map, container);
    var bounds = L.latLngBounds([]);
    if (mode === "story") {
      var ordered = points.slice().sort(function (a, b) { return Date.parse(a.at) - Date.parse(b.at); });
      ordered.forEach(function (p, i) { p.n = i + 1; });
      if (ordered.length > 1) {
        L.polyline(ordered.map(function (p) { return [p.lat, p.lon]; }), {className: "map-route"}).addTo(map);
      }
      var story = pointLayer(ordered, {coloured: true, cluster: true, numbered: true}).addTo(map);
      bounds.extend(story.getBounds());
    } else if (points.length) {
      var layer = pointLayer(points, {coloured: mode !== "cameras" && mode !== "picker",
                                      cluster: mode === "reads" || mode === "area" || mode === "cameras"}).addTo(map);
      bounds.extend(layer.getBounds());
    }
    if (mode === "area") {
      var area = areaDrawing(map, container);
      if (area && !points.length) { bounds.extend(area.getBounds()); }
    }
    if (mode === "picker") {
      var pin = positionPicker(map, container);
      if (pin) { bounds.extend(pin.getLatLng()); }
    }
    // The offline basemap has only state and county lines: closer than that shows an empty square around a point.
    var offline = !container.dataset.tileUrl;
    var maxZoom = offline ? (mode === "single" || mode === "picker" ? 10 : 13) : 16;
    fit(map, bounds, maxZoom);
    var details = container.closest("details");
    if (details) {  // a map inside a closed <details> has no size until it opens
      details.addEventListener("toggle", function () {
        if (!details.open) { return; }
        map.invalidateSize();
        var shown = L.latLngBounds([]);
        map.eachLayer(function (layer) {
          if (layer.getBounds && layer.options && layer.options.className === "map-area") { shown.extend(layer.getBounds()); }
        });
        fit(map, shown.isValid() ? shown : bounds, maxZoom);
      });
    }
    container.dataset.pointsShown = String(points.length);
    container.dataset.ready = "true";
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".portal-map"), init);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
