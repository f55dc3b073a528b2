/* The live map of /carte: Leaflet with clustered markers, filled from
   /carte/evenements.geojson for the visible area and kept up to date by the
   Server-Sent Events of /carte/flux (upsert, cancel, delete, reload).
   Without JavaScript the page's list shows the same events. */
(function () {
  "use strict";

  var element = document.getElementById("carte");
  if (!element || typeof window.L === "undefined") { return; }
  var config = JSON.parse(element.getAttribute("data-config"));
  var labels = config.labels;
  var status = document.getElementById("carte-etat");
  var fallback = element.querySelector(".map-fallback");
  if (fallback) { fallback.remove(); }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function announce(text) {
    if (status) { status.textContent = text; }
  }

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  L.Icon.Default.imagePath = config.vendor + "images/";
  var map = L.map(element, { keyboard: true, worldCopyJump: true });
  var bounds = L.latLngBounds(config.bounds);
  if (bounds.isValid()) {
    map.fitBounds(bounds);
  } else {
    map.setView(config.center, config.zoom);
  }
  var attribution = escapeHtml(config.attribution);
  if (/openstreetmap/i.test(config.attribution)) {
    attribution = '<a href="https://www.openstreetmap.org/copyright">' + attribution + "</a>";
  }
  L.tileLayer(config.tiles, { attribution: attribution, maxZoom: 19 }).addTo(map);

  var layer = typeof L.markerClusterGroup === "function" ? L.markerClusterGroup() : L.layerGroup();
  layer.addTo(map);
  var markers = new Map(); // event uri -> marker

  function popup(properties) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("a");
    title.href = properties.url;
    title.textContent = properties.title;
    var heading = document.createElement("strong");
    heading.appendChild(title);
    box.appendChild(heading);
    function line(text, className) {
      if (!text) { return; }
      var p = document.createElement("p");
      p.textContent = text;
      if (className) { p.className = className; }
      box.appendChild(p);
    }
    line(properties.status_label, "map-popup-status");
    line(properties.when);
    line(properties.city || (properties.online ? labels.online : ""));
    line(properties.category_label);
    line(properties.organiser ? labels.by + " " + properties.organiser : "");
    if (!properties.local) { line(format(labels.from, { domain: properties.origin }), "map-popup-origin"); }
    return box;
  }

  // Adds or moves a marker; returns false when the marker already showed exactly this.
  function upsert(feature) {
    if (!feature.geometry || feature.geometry.type !== "Point") { remove(feature); return false; }
    var properties = feature.properties;
    var text = JSON.stringify(feature);
    var position = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
    var marker = markers.get(properties.uri);
    if (marker && marker.featureText === text) { return false; }
    if (marker) {
      marker.setLatLng(position);
      layer.removeLayer(marker); // re-cluster at its new place
    } else {
      marker = L.marker(position, { title: properties.title, keyboard: true });
      markers.set(properties.uri, marker);
    }
    marker.featureText = text;
    marker.options.title = properties.title;
    marker.setOpacity(properties.status === "cancelled" ? 0.45 : 1);
    marker.bindPopup(popup(properties));
    layer.addLayer(marker);
    return true;
  }

  function remove(feature) {
    var uri = feature.properties ? feature.properties.uri : feature.id;
    var marker = markers.get(uri);
    if (marker) {
      layer.removeLayer(marker);
      markers.delete(uri);
    }
    return marker;
  }

  function currentBbox() {
    var b = map.getBounds();
    var west = b.getWest(), east = b.getEast();
    if (east - west >= 360) { west = -180; east = 180; }
    function wrap(lon) { return ((lon + 540) % 360) - 180; }
    function clampLat(lat) { return Math.max(-90, Math.min(90, lat)); }
    if (west !== -180 || east !== 180) { west = wrap(west); east = wrap(east); }
    return [west, clampLat(b.getSouth()), east, clampLat(b.getNorth())]
      .map(function (n) { return n.toFixed(5); }).join(",");
  }

  function withParam(url, name, value) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + name + "=" + encodeURIComponent(value);
  }

  var source = null;
  var loading = null;

  function load(clear) {
    var controller = new AbortController();
    if (loading) { loading.abort(); }
    loading = controller;
    return fetch(withParam(config.geojson, "bbox", currentBbox()), {
      headers: { Accept: "application/geo+json" }, signal: controller.signal
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (collection) {
      if (clear) { layer.clearLayers(); markers.clear(); }
      collection.features.forEach(upsert);
      openWanted();
      if (collection.truncated) { announce(format(labels.truncated, { count: collection.limit })); }
      if (!source) { listen(collection.stream_from); }
    }).catch(function (error) {
      if (error.name !== "AbortError") { announce(labels.offline); }
    });
  }

  function listen(position) {
    if (typeof window.EventSource === "undefined") { return; }
    source = new EventSource(position ? withParam(config.stream, "depuis", position) : config.stream);
    source.addEventListener("hello", function () { announce(labels.live); });
    source.addEventListener("upsert", function (message) {
      var feature = JSON.parse(message.data);
      if (upsert(feature)) { announce(format(labels.added, { title: feature.properties.title })); }
    });
    source.addEventListener("cancel", function (message) {
      var feature = JSON.parse(message.data);
      if (upsert(feature)) { announce(format(labels.cancelled, { title: feature.properties.title })); }
    });
    source.addEventListener("delete", function (message) {
      var marker = remove(JSON.parse(message.data));
      if (marker) { announce(format(labels.removed, { title: marker.options.title })); }
    });
    source.addEventListener("reload", function () { load(true); });
    source.onerror = function () { announce(labels.offline); };
  }

  // The list below the map is its keyboard alternative: each located event gets a button that
  // shows it on the map and opens its popup, whose link then takes the focus.
  var wanted = null; // [uri] of an event to open once the markers of its area have loaded

  function show(uri, lat, lon) {
    var marker = markers.get(uri);
    if (!marker) {
      if (isNaN(lat) || isNaN(lon)) { return; }
      wanted = uri;
      map.setView([lat, lon], Math.max(map.getZoom(), 14)); // moveend loads its area
      return;
    }
    function open() {
      marker.openPopup();
      var popupElement = marker.getPopup() && marker.getPopup().getElement();
      var link = popupElement && popupElement.querySelector("a");
      if (link) { link.focus(); }
    }
    if (typeof layer.zoomToShowLayer === "function") {
      layer.zoomToShowLayer(marker, open);
    } else {
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 14));
      open();
    }
  }

  function openWanted() {
    if (wanted && markers.has(wanted)) {
      var uri = wanted;
      wanted = null;
      show(uri);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".map-list li[data-uri]"), function (item) {
    var lat = parseFloat(item.getAttribute("data-lat"));
    var lon = parseFloat(item.getAttribute("data-lon"));
    var title = item.querySelector(".agenda-title");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "show-on-map";
    button.textContent = labels.show;
    button.setAttribute("aria-label", format(labels.show_named, { title: title ? title.textContent.trim() : "" }));
    button.addEventListener("click", function () { show(item.getAttribute("data-uri"), lat, lon); });
    item.appendChild(button);
  });

  var timer = null;
  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(false); }, 250);
  });
  load(false);
})();
